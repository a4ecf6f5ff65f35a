// All SQL of `sla` lives here. Every public operation that writes is one
// immediate transaction; reads are plain statements. WAL + busy timeout are on,
// so agents' commands, imports and checks can share the file.

import Database from 'better-sqlite3';
import { chmodSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Assignment } from '../domain/clock.js';
import type { ComputedSla, Ticket, TicketEvent } from '../domain/ticket.js';
import type { Instant } from '../domain/types.js';

export class StoreError extends Error {
  constructor(message: string, readonly hint: string, readonly exitCode = 1) {
    super(message);
  }
}

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');

interface Migration { version: number; name: string; sql: string }

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .map((f) => /^(\d+)_.+\.sql$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ version: Number(m[1]), name: m[0], sql: readFileSync(join(dir, m[0]), 'utf8') }))
    .sort((a, b) => a.version - b.version);
}

export interface AuditEntry {
  seq?: number;
  at: Instant;
  actor: string;
  action: string;
  ticketId: string | null;
  reason: string | null;
  before: unknown;
  after: unknown;
}

export interface AuditFilter { ticketId?: string; since?: Instant; actor?: string; limit?: number }

export interface TicketChange<R> {
  write?: { ticket: Ticket; computed: ComputedSla; events: readonly TicketEvent[] };
  audit?: AuditEntry[];
  result: R;
}

export interface ImportBatch {
  /** The digest of the ticket's last imported row; undefined when there is no such ticket. */
  importHash(id: string): string | null | undefined;
  load(id: string): { ticket: Ticket; events: TicketEvent[] } | null;
  put(ticket: Ticket, computed: ComputedSla, newEvents: readonly TicketEvent[], importHash: string | null): void;
  commit(): void;
  rollback(): void;
}

export interface DueTicket { id: string; nextChangeAt: Instant }

export interface TicketRow {
  id: string; subject: string | null; requester: string | null; customer: string | null; tier: string | null;
  priority: string | null; status: string; assignee: string | null; grp: string | null; channel: string | null;
  tags: string; custom: string; created_at: number; first_response_at: number | null; resolved_at: number | null;
  closed_at: number | null; updated_at: number | null; initial_priority: string | null; policy: string | null;
  calendar: string | null; target_fr_min: number | null; target_res_min: number | null; no_sla_reason: string | null;
}

export interface EventRow {
  seq: number; ticket_id: string; at: number; type: string; value: string | null; data: string | null;
  actor: string | null; reason: string | null; source: string | null;
}

export function rowToTicket(r: TicketRow): Ticket {
  const assignment: Assignment | null =
    r.policy && r.calendar && r.target_fr_min !== null && r.target_res_min !== null
      ? { policy: r.policy, calendar: r.calendar, targets: { firstResponse: r.target_fr_min, resolution: r.target_res_min } }
      : null;
  return {
    id: r.id, subject: r.subject, requester: r.requester, customer: r.customer, tier: r.tier, priority: r.priority,
    status: r.status, assignee: r.assignee, group: r.grp, channel: r.channel,
    tags: JSON.parse(r.tags) as string[], custom: JSON.parse(r.custom) as Record<string, string>,
    createdAt: r.created_at, firstResponseAt: r.first_response_at, resolvedAt: r.resolved_at, closedAt: r.closed_at,
    updatedAt: r.updated_at, initialPriority: r.initial_priority, assignment, noSlaReason: r.no_sla_reason,
  };
}

export function rowToEvent(r: EventRow): TicketEvent {
  const data = r.data ? (JSON.parse(r.data) as Partial<TicketEvent>) : {};
  return { ...data, seq: r.seq, at: r.at, type: r.type, value: r.value, actor: r.actor, reason: r.reason, source: r.source };
}

function eventData(e: TicketEvent): string | null {
  const d: Record<string, unknown> = {};
  if (e.until !== undefined && e.until !== null) d.until = e.until;
  if (e.recalculate) d.recalculate = true;
  if (e.assignment !== undefined) d.assignment = e.assignment;
  return Object.keys(d).length ? JSON.stringify(d) : null;
}

const TICKET_COLUMNS = [
  'id', 'subject', 'requester', 'customer', 'tier', 'priority', 'status', 'assignee', 'grp', 'channel', 'tags', 'custom',
  'created_at', 'first_response_at', 'resolved_at', 'closed_at', 'updated_at', 'initial_priority', 'policy', 'calendar',
  'target_fr_min', 'target_res_min', 'no_sla_reason', 'sla_status', 'sla_cycle', 'fr_status', 'fr_at_risk_at',
  'fr_due_at', 'fr_stopped_at', 'fr_elapsed_min', 'res_status', 'res_at_risk_at', 'res_due_at', 'res_stopped_at',
  'res_elapsed_min', 'breached_at', 'paused_at', 'total_paused_ms',
  'next_change_at', 'computed_at', 'import_hash',
] as const;

function ticketParams(t: Ticket, c: ComputedSla, importHash: string | null): unknown[] {
  return [
    t.id, t.subject, t.requester, t.customer, t.tier, t.priority, t.status, t.assignee, t.group, t.channel,
    JSON.stringify(t.tags), JSON.stringify(t.custom), t.createdAt, t.firstResponseAt, t.resolvedAt, t.closedAt,
    t.updatedAt, t.initialPriority, t.assignment?.policy ?? null, t.assignment?.calendar ?? null,
    t.assignment?.targets.firstResponse ?? null, t.assignment?.targets.resolution ?? null, t.noSlaReason,
    c.slaStatus, c.cycle, c.frStatus, c.frAtRiskAt, c.frDueAt, c.frStoppedAt, c.frElapsedMin, c.resStatus,
    c.resAtRiskAt, c.resDueAt, c.resStoppedAt, c.resElapsedMin, c.breachedAt,
    c.pausedAt, c.totalPausedMs, c.nextChangeAt, c.computedAt, importHash,
  ];
}

export interface OpenOptions {
  /** Create the file if missing (only `sla init` and imports do). */
  create?: boolean;
  migrationsDir?: string;
}

export class Store {
  readonly db: Database.Database;
  private readonly stmts: ReturnType<Store['prepare']>;

  private constructor(db: Database.Database) {
    this.db = db;
    this.stmts = this.prepare();
  }

  /** Open (and migrate) the database at `path`. */
  static open(path: string, opts: OpenOptions = {}): Store {
    let db: Database.Database;
    const isNew = path !== ':memory:' && !existsSync(path);
    try {
      db = new Database(path, { fileMustExist: !opts.create, timeout: 10_000 });
      // Customer data: a database sla creates is readable by owner and group only.
      if (isNew && opts.create) chmodSync(path, 0o640);
    } catch (err) {
      const e = err as Error & { code?: string };
      if (/does not exist/i.test(e.message) || e.code === 'SQLITE_CANTOPEN') {
        throw new StoreError(`database ${path} does not exist`, 'run `sla init` (or `sla import`) first, or pass --db PATH');
      }
      throw new StoreError(`cannot open database ${path}: ${e.message}`, 'check the path and its permissions');
    }
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 10000');
      migrate(db, readMigrations(opts.migrationsDir));
    } catch (err) {
      db.close();
      if (err instanceof StoreError) throw err;
      const e = err as Error;
      if (/file is not a database|malformed/i.test(e.message)) {
        throw new StoreError(`${path} is not an sla database (${e.message})`, 'pass the right file with --db');
      }
      throw err;
    }
    return new Store(db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private prepare() {
    const db = this.db;
    const placeholders = TICKET_COLUMNS.map(() => '?').join(', ');
    // A write without an import digest (agents' commands) keeps the last import's digest.
    const updates = TICKET_COLUMNS.filter((c) => c !== 'id')
      .map((c) => (c === 'import_hash' ? `${c} = coalesce(excluded.${c}, ${c})` : `${c} = excluded.${c}`))
      .join(', ');
    return {
      getTicket: db.prepare<[string], TicketRow>('SELECT * FROM tickets WHERE id = ?'),
      getEvents: db.prepare<[string], EventRow>('SELECT * FROM ticket_events WHERE ticket_id = ? ORDER BY at, seq'),
      upsertTicket: db.prepare(
        `INSERT INTO tickets (${TICKET_COLUMNS.join(', ')}) VALUES (${placeholders}) ON CONFLICT(id) DO UPDATE SET ${updates}`,
      ),
      insertEvent: db.prepare(
        'INSERT INTO ticket_events (ticket_id, at, type, value, data, actor, reason, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      dueBefore: db.prepare<[number, number], { id: string; next_change_at: number }>(
        'SELECT id, next_change_at FROM tickets WHERE next_change_at IS NOT NULL AND next_change_at <= ? ORDER BY next_change_at LIMIT ?',
      ),
      insertAudit: db.prepare(
        'INSERT INTO audit (at, actor, action, ticket_id, reason, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      countTickets: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM tickets'),
      importHash: db.prepare<[string], string | null>('SELECT import_hash FROM tickets WHERE id = ?').pluck(),
    };
  }

  getTicket(id: string): Ticket | null {
    const row = this.stmts.getTicket.get(id);
    return row ? rowToTicket(row) : null;
  }

  getEvents(id: string): TicketEvent[] {
    return this.stmts.getEvents.all(id).map(rowToEvent);
  }

  countTickets(): number {
    return this.stmts.countTickets.get()!.n;
  }

  private writeTicket(t: Ticket, computed: ComputedSla, newEvents: readonly TicketEvent[], importHash: string | null = null): void {
    this.stmts.upsertTicket.run(...ticketParams(t, computed, importHash));
    for (const e of newEvents) {
      this.stmts.insertEvent.run(t.id, e.at, e.type, e.value ?? null, eventData(e), e.actor ?? null, e.reason ?? null, e.source ?? null);
    }
  }

  private writeAudit(a: AuditEntry): void {
    this.stmts.insertAudit.run(
      a.at, a.actor, a.action, a.ticketId, a.reason,
      a.before === undefined ? null : JSON.stringify(a.before),
      a.after === undefined ? null : JSON.stringify(a.after),
    );
  }

  /** Insert or replace one ticket with its derived state, append its new events, and audit — one transaction. */
  saveTicket(t: Ticket, computed: ComputedSla, newEvents: readonly TicketEvent[] = [], audit?: AuditEntry): void {
    this.db.transaction(() => {
      this.writeTicket(t, computed, newEvents);
      if (audit) this.writeAudit(audit);
    }).immediate();
  }

  /** Many tickets in one transaction: all or nothing. */
  saveTickets(batch: ReadonlyArray<{ ticket: Ticket; computed: ComputedSla; events: readonly TicketEvent[] }>): void {
    this.db.transaction(() => {
      for (const b of batch) this.writeTicket(b.ticket, b.computed, b.events);
    }).immediate();
  }

  /**
   * Read-check-write of one ticket in one immediate transaction: `fn` sees the
   * stored ticket and its history and returns what to write (or throws to
   * refuse, which writes nothing). `fn` must be pure: no I/O, no network.
   */
  mutateTicket<R>(id: string, fn: (current: { ticket: Ticket; events: TicketEvent[] } | null) => TicketChange<R>): R {
    return this.db.transaction(() => {
      const ticket = this.getTicket(id);
      const change = fn(ticket ? { ticket, events: this.getEvents(id) } : null);
      if (change.write) {
        this.writeTicket(change.write.ticket, change.write.computed, change.write.events);
        for (const a of change.audit ?? []) this.writeAudit(a);
      }
      return change.result;
    }).immediate();
  }

  /**
   * A write transaction that spans an asynchronous import: BEGIN IMMEDIATE now;
   * `put` as rows arrive; then `commit()` or `rollback()`. Until commit nobody
   * else sees any of it, and a crash leaves the database as it was.
   */
  beginImport(): ImportBatch {
    // A big file touches many index pages: a larger page cache (64 MiB) for this connection.
    this.db.pragma('cache_size = -65536');
    this.db.exec('BEGIN IMMEDIATE');
    // Into an empty database, loading rows and then building each index once is several
    // times faster than updating every index per row. Same transaction: all or nothing,
    // and other connections keep seeing the indexes of the last commit.
    const rebuild = this.db.prepare('SELECT count(*) FROM (SELECT 1 FROM tickets LIMIT 1)').pluck().get() === 0
      ? this.db
        .prepare<[], { name: string; sql: string }>(
          "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('tickets', 'ticket_events')",
        )
        .all()
      : [];
    for (const ix of rebuild) this.db.exec(`DROP INDEX "${ix.name}"`);
    let open = true;
    const end = (sql: string): void => {
      if (!open) return;
      open = false;
      if (sql === 'COMMIT') for (const ix of rebuild) this.db.exec(ix.sql);
      this.db.exec(sql);
    };
    return {
      importHash: (id) => {
        const h = this.stmts.importHash.get(id);
        return h === undefined ? undefined : h;
      },
      load: (id) => {
        const ticket = this.getTicket(id);
        return ticket ? { ticket, events: this.getEvents(id) } : null;
      },
      put: (ticket, computed, events, importHash) => this.writeTicket(ticket, computed, events, importHash),
      commit: () => end('COMMIT'),
      rollback: () => end('ROLLBACK'),
    };
  }

  /** Tickets whose state changes at or before `t` with no new event, soonest first (index range scan). */
  dueBefore(t: Instant, limit = 10_000): DueTicket[] {
    return this.stmts.dueBefore.all(t, limit).map((r) => ({ id: r.id, nextChangeAt: r.next_change_at }));
  }

  /** The query plan of dueBefore, for tests that it stays an index scan. */
  explainDueBefore(): string {
    return this.db
      .prepare<[], { detail: string }>(
        'EXPLAIN QUERY PLAN SELECT id, next_change_at FROM tickets WHERE next_change_at IS NOT NULL AND next_change_at <= 0 ORDER BY next_change_at LIMIT 10',
      )
      .all()
      .map((r) => r.detail)
      .join('\n');
  }

  addAudit(a: AuditEntry): void {
    this.db.transaction(() => this.writeAudit(a)).immediate();
  }

  listAudit(f: AuditFilter = {}): AuditEntry[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.ticketId !== undefined) { where.push('ticket_id = ?'); params.push(f.ticketId); }
    if (f.since !== undefined) { where.push('at >= ?'); params.push(f.since); }
    if (f.actor !== undefined) { where.push('actor = ?'); params.push(f.actor); }
    const sql = `SELECT * FROM audit ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY at, seq LIMIT ?`;
    params.push(f.limit ?? 1_000_000);
    const rows = this.db.prepare(sql).all(...params) as Array<{
      seq: number; at: number; actor: string; action: string; ticket_id: string | null; reason: string | null;
      before: string | null; after: string | null;
    }>;
    return rows.map((r) => ({
      seq: r.seq, at: r.at, actor: r.actor, action: r.action, ticketId: r.ticket_id, reason: r.reason,
      before: r.before === null ? null : JSON.parse(r.before), after: r.after === null ? null : JSON.parse(r.after),
    }));
  }

  getMeta(key: string): string | null {
    const r = this.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key);
    return r ? r.value : null;
  }

  setMeta(key: string, value: string): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
    }).immediate();
  }
}

function migrate(db: Database.Database, migrations: Migration[]): void {
  const known = migrations.length ? migrations[migrations.length - 1].version : 0;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > known) {
    throw new StoreError(
      `database schema version ${current} is newer than this sla knows (${known})`,
      'it was written by a newer sla; upgrade sla — the file was not touched',
      1,
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      // Re-check inside the write lock: a concurrent process may have migrated already.
      const now = db.pragma('user_version', { simple: true }) as number;
      if (now >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
