// Tickets and their audit on one SQLite connection: every write is one immediate
// transaction; reads are plain statements. WAL + busy timeout are on, so agents'
// commands, imports and checks can share the file.

import type Database from 'better-sqlite3';
import type { ComputedSla, Ticket, TicketEvent } from '../../domain/ticket.js';
import type { Instant } from '../../domain/types.js';
import type { AuditEntry, AuditFilter, DueTicket, ImportBatch, ImportIndexes, StoredTicket, TicketChange } from '../contract.js';

/** An import's batch on this connection or the writer thread's: ImportBatch, answered at once. */
export interface EngineImportBatch extends Omit<ImportBatch, 'prepare' | 'advanceCursor' | 'commit' | 'rollback'> {
  commit(): void;
  rollback(): void;
}
import { IdSet } from '../id-set.js';
import { auditValues, toAudit, type RawAudit } from '../outbox-rows.js';
import { beginImportTransaction, endImportTransaction, openDatabase, type OpenOptions } from './open.js';
import { eventsToHistory, historyToEvents, pauseEnds, rowToTicket, TICKET_COLUMNS, ticketValues, type TicketsTableRow } from '../ticket-row.js';
import { INSERT_PAUSE_END_SQL, SELECT_IMPORT_HASH_SQL, SELECT_TICKET_SQL, upsertTicketSql } from './ticket-row.js';

export class Store {
  readonly db: Database.Database;
  private readonly stmts: ReturnType<Store['prepare']>;
  /** writeTicket's values (reused). */
  private readonly values: unknown[] = new Array(TICKET_COLUMNS.length);

  private constructor(db: Database.Database) {
    this.db = db;
    this.stmts = this.prepare();
  }

  /** Open (and migrate) the database at `path`. */
  static open(path: string, opts: OpenOptions = {}): Store {
    return new Store(openDatabase(path, opts));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private prepare() {
    const db = this.db;
    return {
      getTicket: db.prepare<[string], TicketsTableRow>(SELECT_TICKET_SQL),
      getHistory: db.prepare<[string], string>('SELECT history FROM tickets WHERE id = ?').pluck(),
      upsertTicket: db.prepare(upsertTicketSql()),
      insertPauseEnd: db.prepare(INSERT_PAUSE_END_SQL),
      dueBefore: db.prepare<[number, number], { id: string; next_change_at: number }>(
        'SELECT id, next_change_at FROM tickets WHERE next_change_at IS NOT NULL AND next_change_at <= ? ORDER BY next_change_at LIMIT ?',
      ),
      insertAudit: db.prepare(
        'INSERT INTO audit (at, actor, action, ticket_id, reason, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      countTickets: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM tickets'),
      importHash: db.prepare<[string], string | null>(SELECT_IMPORT_HASH_SQL).pluck(),
    };
  }

  getTicket(id: string): Ticket | null {
    const row = this.stmts.getTicket.get(id);
    return row ? rowToTicket(row) : null;
  }

  getEvents(id: string): TicketEvent[] {
    return historyToEvents(this.stmts.getHistory.get(id));
  }

  /** A ticket and its history in one read, or null. */
  getTicketWithEvents(id: string): { ticket: Ticket; events: TicketEvent[]; importHash: string | null } | null {
    const row = this.stmts.getTicket.get(id);
    return row ? { ticket: rowToTicket(row), events: historyToEvents(row.history), importHash: row.import_hash ?? null } : null;
  }

  /** The digest of the ticket's last imported row (null: none); undefined when there is no such ticket. */
  importHashOf(id: string): string | null | undefined {
    const h = this.stmts.importHash.get(id);
    return h === undefined ? undefined : h;
  }

  countTickets(): number {
    return this.stmts.countTickets.get()!.n;
  }

  private writeTicket(t: Ticket, computed: ComputedSla, newEvents: readonly TicketEvent[], importHash: string | null = null): void {
    this.stmts.upsertTicket.run(...ticketValues(this.values, t, computed, importHash, eventsToHistory(newEvents)));
    for (const until of pauseEnds(newEvents)) this.stmts.insertPauseEnd.run(t.id, until);
  }

  private writeAudit(a: AuditEntry): void {
    this.stmts.insertAudit.run(...auditValues(a));
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
  mutateTicket<R>(id: string, fn: (current: StoredTicket | null) => TicketChange<R>): R {
    return this.db.transaction(() => {
      const change = fn(this.getTicketWithEvents(id));
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
  beginImport(indexes: ImportIndexes = 'rebuild'): EngineImportBatch {
    const tx = beginImportTransaction(this.db, indexes);
    // Into an empty table the only stored tickets are the import's own: ids it has
    // not put need no lookup.
    const written = tx.empty ? new IdSet() : null;
    let open = true;
    const end = (commit: boolean): void => {
      if (!open) return;
      open = false;
      endImportTransaction(this.db, tx, commit);
    };
    return {
      importHash: (id) => (written && !written.has(id) ? undefined : this.importHashOf(id)),
      load: (id) => (written && !written.has(id) ? null : this.getTicketWithEvents(id)),
      put: (ticket, computed, events, importHash) => {
        written?.add(ticket.id);
        this.writeTicket(ticket, computed, events, importHash);
      },
      commit: () => end(true),
      rollback: () => end(false),
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
    return (this.db.prepare(sql).all(...params) as RawAudit[]).map(toAudit);
  }

}
