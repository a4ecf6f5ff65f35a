// All SQL of `sla` lives here. Every public operation that writes is one
// immediate transaction; reads are plain statements. WAL + busy timeout are on,
// so agents' commands, imports and checks can share the file.

import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Assignment } from '../../domain/clock.js';
import type { ComputedSla, Ticket, TicketEvent } from '../../domain/ticket.js';
import type { Instant } from '../../domain/types.js';
import { UserError } from '../../errors.js';
import { BUSY_TIMEOUT_MS } from './faults.js';
import { trace } from '../../import-trace.js';

// How long a connection waits for another's write transaction: see faults.ts (its message says it).
export { BUSY_TIMEOUT_MS } from './faults.js';

export class StoreError extends UserError {
  constructor(message: string, hint: string, exitCode = 1) {
    super(message, hint, exitCode);
  }
}

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'migrations', 'sqlite');

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
  /** The stored ticket, its history and its import digest (see importHash). */
  load(id: string): { ticket: Ticket; events: TicketEvent[]; importHash: string | null } | null;
  put(ticket: Ticket, computed: ComputedSla, newEvents: readonly TicketEvent[], importHash: string | null): void;
  commit(): void;
  rollback(): void;
}

export interface DueTicket { id: string; nextChangeAt: Instant }

/** A row of the tickets table, as SQLite gives it (rowToTicket makes a Ticket of it). */
export interface TicketsTableRow {
  id: string; subject: string | null; requester: string | null; customer: string | null; tier: string | null;
  priority: string | null; status: string; assignee: string | null; grp: string | null; channel: string | null;
  tags: string; custom: string; created_at: number; first_response_at: number | null; resolved_at: number | null;
  closed_at: number | null; updated_at: number | null; initial_priority: string | null; policy: string | null;
  calendar: string | null; target_fr_min: number | null; target_res_min: number | null; no_sla_reason: string | null;
  /** The ticket's events, JSON (see historyToEvents); absent when the query did not select it. */
  history?: string;
  /** The digest(s) of what an import last brought; absent when the query did not select it. */
  import_hash?: string | null;
}

export function rowToTicket(r: TicketsTableRow): Ticket {
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

// A ticket's history (migration 004): the column `tickets.history` is a JSON array of
// its events in insertion order, each [at, type, value, source, actor, reason, data]
// with trailing nulls left out; seq = 1-based position (ties at an instant keep it).
type EncodedEvent = [number, string, (string | null)?, (string | null)?, (string | null)?, (string | null)?, Record<string, unknown>?];

/** What an event carries besides its columns (until, recalculate, assignment), or null. */
export function eventData(e: TicketEvent): Record<string, unknown> | null {
  if ((e.until === undefined || e.until === null) && !e.recalculate && e.assignment === undefined && e.previous === undefined) return null;
  const d: Record<string, unknown> = {};
  if (e.until !== undefined && e.until !== null) d.until = e.until;
  if (e.recalculate) d.recalculate = true;
  if (e.assignment !== undefined) d.assignment = e.assignment;
  if (e.previous !== undefined) d.previous = e.previous;
  return d;
}

/** One event as stored: [at, type, value, source, actor, reason, data], trailing nulls left out. */
function encodeEvent(e: TicketEvent): unknown[] {
  if (!Number.isFinite(e.at)) throw new Error(`event ${e.type} has no valid instant (${String(e.at)})`);
  const data = eventData(e);
  if (data !== null) return [e.at, e.type, e.value ?? null, e.source ?? null, e.actor ?? null, e.reason ?? null, data];
  if (e.reason != null) return [e.at, e.type, e.value ?? null, e.source ?? null, e.actor ?? null, e.reason];
  if (e.actor != null) return [e.at, e.type, e.value ?? null, e.source ?? null, e.actor];
  if (e.source != null) return [e.at, e.type, e.value ?? null, e.source];
  if (e.value != null) return [e.at, e.type, e.value];
  return [e.at, e.type];
}

/**
 * Events as the JSON the history column holds ('[]' for none). The array is pushed, not
 * preallocated: JSON.stringify has a fast path for packed arrays only (a `new Array(n)`
 * is holey even once filled).
 */
export function eventsToHistory(events: readonly TicketEvent[]): string {
  if (events.length === 0) return '[]';
  const a: unknown[][] = [];
  for (let i = 0; i < events.length; i++) a.push(encodeEvent(events[i]));
  return JSON.stringify(a);
}

/** The history column → the ticket's events in time order (ties: insertion order), with seq. */
export function historyToEvents(history: string | null | undefined): TicketEvent[] {
  if (!history || history === '[]') return [];
  const raw = JSON.parse(history) as EncodedEvent[];
  const out: TicketEvent[] = new Array(raw.length);
  let sorted = true;
  for (let i = 0; i < raw.length; i++) {
    const a = raw[i];
    const data = a[6];
    const e: TicketEvent = {
      ...(data ?? {}), seq: i + 1, at: a[0], type: a[1], value: a[2] ?? null, actor: a[4] ?? null, reason: a[5] ?? null,
      source: a[3] ?? null,
    };
    out[i] = e;
    if (i > 0 && e.at < out[i - 1].at) sorted = false;
  }
  if (!sorted) out.sort((x, y) => x.at - y.at || x.seq! - y.seq!);
  return out;
}

/** The columns every ticket write sets, in the order of ticketValues. */
export const TICKET_COLUMNS = [
  'id', 'subject', 'requester', 'customer', 'tier', 'priority', 'status', 'assignee', 'grp', 'channel', 'tags', 'custom',
  'created_at', 'first_response_at', 'resolved_at', 'closed_at', 'updated_at', 'initial_priority', 'policy', 'calendar',
  'target_fr_min', 'target_res_min', 'no_sla_reason', 'sla_status', 'sla_cycle', 'fr_status', 'fr_at_risk_at',
  'fr_due_at', 'fr_stopped_at', 'fr_elapsed_min', 'res_status', 'res_at_risk_at', 'res_due_at', 'res_stopped_at',
  'res_elapsed_min', 'breached_at', 'paused_at', 'total_paused_ms',
  'next_change_at', 'computed_at', 'import_hash', 'history',
] as const;

/** Which of TICKET_COLUMNS hold numbers (the others text), for the import writer thread. */
export const TICKET_NUMERIC: readonly boolean[] = TICKET_COLUMNS.map((c) =>
  /_at$|_min$|_ms$|^sla_cycle$/.test(c));

/**
 * One ticket write's values, in TICKET_COLUMNS order, into `out` (reused: a big import
 * writes millions). `history` = the events to append (JSON, see eventsToHistory).
 */
export function ticketValues(out: unknown[], t: Ticket, c: ComputedSla, importHash: string | null, history: string): unknown[] {
  ticketTexts(out, t, c, importHash, history);
  ticketNumbers(numberScratch, 0, t, c);
  for (let i = 0; i < NUMERIC_SLOTS.length; i++) {
    const v = numberScratch[i];
    out[NUMERIC_SLOTS[i]] = v !== v ? null : v;
  }
  return out;
}

/** Where (in TICKET_COLUMNS) ticketNumbers' values go, in its order; and the text columns' places. */
export const NUMERIC_SLOTS: readonly number[] = TICKET_COLUMNS.flatMap((_, i) => (TICKET_NUMERIC[i] ? [i] : []));
export const TEXT_SLOTS: readonly number[] = TICKET_COLUMNS.flatMap((_, i) => (TICKET_NUMERIC[i] ? [] : [i]));
const numberScratch = new Float64Array(NUMERIC_SLOTS.length);

/** ticketValues' text columns (strings or null) into their places in `out`; the numeric places are left alone. */
export function ticketTexts(out: unknown[], t: Ticket, c: ComputedSla, importHash: string | null, history: string): void {
  const a = t.assignment;
  out[0] = t.id; out[1] = t.subject; out[2] = t.requester; out[3] = t.customer; out[4] = t.tier; out[5] = t.priority;
  out[6] = t.status; out[7] = t.assignee; out[8] = t.group; out[9] = t.channel;
  out[10] = tagsJson(t.tags);
  out[11] = isEmpty(t.custom) ? '{}' : JSON.stringify(t.custom);
  out[17] = t.initialPriority; out[18] = a ? a.policy : null; out[19] = a ? a.calendar : null;
  out[22] = t.noSlaReason; out[23] = c.slaStatus; out[25] = c.frStatus; out[30] = c.resStatus;
  out[40] = importHash; out[41] = history;
}

/**
 * ticketValues' numeric columns, in column order (NUMERIC_SLOTS), into `out` from `at`;
 * NaN for NULL (null or undefined — never 0, which a Float64Array would make of null).
 * The import writer thread's rows go straight into a Float64Array: no number boxed on
 * the way.
 */
export function ticketNumbers(out: Float64Array, at: number, t: Ticket, c: ComputedSla): void {
  const a = t.assignment;
  out[at] = t.createdAt ?? NaN; out[at + 1] = t.firstResponseAt ?? NaN; out[at + 2] = t.resolvedAt ?? NaN;
  out[at + 3] = t.closedAt ?? NaN; out[at + 4] = t.updatedAt ?? NaN;
  out[at + 5] = a ? a.targets.firstResponse ?? NaN : NaN; out[at + 6] = a ? a.targets.resolution ?? NaN : NaN;
  out[at + 7] = c.cycle ?? NaN; out[at + 8] = c.frAtRiskAt ?? NaN; out[at + 9] = c.frDueAt ?? NaN;
  out[at + 10] = c.frStoppedAt ?? NaN; out[at + 11] = c.frElapsedMin ?? NaN; out[at + 12] = c.resAtRiskAt ?? NaN;
  out[at + 13] = c.resDueAt ?? NaN; out[at + 14] = c.resStoppedAt ?? NaN; out[at + 15] = c.resElapsedMin ?? NaN;
  out[at + 16] = c.breachedAt ?? NaN; out[at + 17] = c.pausedAt ?? NaN; out[at + 18] = c.totalPausedMs ?? NaN;
  out[at + 19] = c.nextChangeAt ?? NaN; out[at + 20] = c.computedAt ?? NaN;
}

/**
 * A tags list as stored (JSON). Lists of one or two short tags are remembered (a few
 * thousand): a big import repeats a few, and a lookup costs a quarter of JSON.stringify
 * of a small array. Short: a longer string read from a file can be a slice that keeps
 * its whole chunk of the file alive (V8 slices strings of 13 characters or more).
 */
function tagsJson(tags: readonly string[]): string {
  if (tags.length === 0) return '[]';
  const n = tags.length;
  if (n > 2 || typeof tags[0] !== 'string' || tags[0].length >= 13 || (n === 2 && (typeof tags[1] !== 'string' || tags[1].length >= 13))) {
    return JSON.stringify(tags);
  }
  let byFirst = knownTags.get(tags[0]);
  if (byFirst === undefined || byFirst.size >= TAGS_REMEMBERED) {
    if (knownTags.size >= TAGS_REMEMBERED) knownTags.clear();
    byFirst = new Map();
    knownTags.set(tags[0], byFirst);
  }
  const second = n === 1 ? ONE_TAG : tags[1];
  let json = byFirst.get(second);
  if (json === undefined) {
    json = JSON.stringify(tags);
    byFirst.set(second, json);
  }
  return json;
}
const TAGS_REMEMBERED = 4096;
/** Marks a one-tag list in knownTags (a symbol: no tag equals it). */
const ONE_TAG = Symbol('one tag');
const knownTags = new Map<string, Map<string | symbol, string>>();

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/**
 * Insert or update a ticket. A write without an import digest (agents' commands) keeps
 * the last import's digest; `history` holds the events to append to the stored ones
 * (JSON arrays joined as text).
 */
export function upsertTicketSql(): string {
  const updates = TICKET_COLUMNS.filter((c) => c !== 'id')
    .map((c) =>
      c === 'import_hash' ? `${c} = coalesce(excluded.${c}, ${c})`
      : c === 'history' ? `history = CASE WHEN excluded.history = '[]' THEN history WHEN history = '[]' THEN excluded.history
          ELSE substr(history, 1, length(history) - 1) || ',' || substr(excluded.history, 2) END`
      : `${c} = excluded.${c}`)
    .join(', ');
  return `INSERT INTO tickets (${TICKET_COLUMNS.join(', ')}) VALUES (${TICKET_COLUMNS.map(() => '?').join(', ')})
    ON CONFLICT(id) DO UPDATE SET ${updates}`;
}

export const INSERT_PAUSE_END_SQL = 'INSERT INTO ticket_pause_ends (ticket_id, until) VALUES (?, ?)';
/** A ticket's whole row (with its history), by id. */
export const SELECT_TICKET_SQL = 'SELECT * FROM tickets WHERE id = ?';
/** The digest of a ticket's last imported row, by id. */
export const SELECT_IMPORT_HASH_SQL = 'SELECT import_hash FROM tickets WHERE id = ?';

/**
 * An open ticket (current status neither resolved nor closed). Textually the WHERE of
 * the partial indexes over open tickets in migrations/ (SQLite uses a partial index
 * only when the query's condition implies it): keep them equal.
 */
export const OPEN_SQL = "status NOT IN ('resolved', 'closed')";

/**
 * The row `alias` (a table name or alias of tickets' columns) holds a state that
 * cannot answer for @now from its stored instants: never computed, stored after @now
 * (a look into the past with --at), or paused with a manual pause whose `until`
 * passed between its write and @now.
 */
export function staleSql(alias: string): string {
  const a = alias;
  return `(${a}.computed_at IS NULL OR ${a}.computed_at > @now
    OR (${a}.paused_at IS NOT NULL AND EXISTS (SELECT 1 FROM main.ticket_pause_ends pe
      WHERE pe.ticket_id = ${a}.id AND pe.until > ${a}.computed_at AND pe.until <= @now)))`;
}

/**
 * A connection's settings beside the file's own (page size, WAL, migrations): every
 * writer's, the Store's and the import writer thread's. The busy timeout is the
 * constructor's `timeout: BUSY_TIMEOUT_MS`.
 */
export function configureConnection(db: Database.Database): void {
  // NORMAL is safe with the WAL; a rollback journal (a first import: beginBulkJournal)
  // needs FULL to survive a power cut at the wrong moment.
  db.pragma(db.pragma('journal_mode', { simple: true }) === 'wal' ? 'synchronous = NORMAL' : 'synchronous = FULL');
  db.pragma('foreign_keys = ON');
}

/**
 * A first import — into an empty tickets table, with no other connection open — writes
 * through a rollback journal instead of the write-ahead log. SQLite journals only pages
 * that existed when the transaction began, so the new rows are written once, straight
 * into the database file, where the WAL would write them twice (to the log, then, at
 * commit, copied into the database and synced again).
 * Still one transaction: a killed import leaves a journal that the next opener rolls
 * back. The price: until it commits, other processes cannot read the (still empty)
 * database and wait up to the busy timeout. When the switch is not possible at once
 * (another connection is open, or there are tickets), nothing changes: the WAL as usual.
 * Call endBulkJournal when the import is over.
 */
export function beginBulkJournal(db: Database.Database): boolean {
  if (db.inTransaction || !noTickets(db)) return false;
  return switchJournal(db, 'delete');
}

/** The tickets table is empty. */
function noTickets(db: Database.Database): boolean {
  return db.prepare('SELECT 1 FROM tickets LIMIT 1').get() === undefined;
}

/**
 * Back to the write-ahead log after beginBulkJournal. If another connection has opened
 * the file meanwhile, that is left to the next Store.open (every opener sets WAL).
 */
export function endBulkJournal(db: Database.Database): void {
  switchJournal(db, 'wal');
}

/** Set the journal mode if that can be done now (no waiting on other connections). */
function switchJournal(db: Database.Database, mode: 'delete' | 'wal'): boolean {
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    return db.pragma(`journal_mode = ${mode}`, { simple: true }) === mode;
  } catch {
    return false;
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}

/** The manual pauses among `events` that end by themselves: their `until`s. */
export function pauseEnds(events: readonly TicketEvent[]): number[] {
  let out: number[] | null = null;
  for (const e of events) if (e.type === 'pause' && e.until !== undefined && e.until !== null) (out ??= []).push(e.until);
  return out ?? NO_PAUSE_ENDS;
}
const NO_PAUSE_ENDS: number[] = [];

/**
 * The start of an import's write transaction, on `db` (the Store's connection or the
 * import writer thread's): BEGIN IMMEDIATE, a larger page cache, and — into an empty
 * tickets table — its indexes dropped, to be built once by endImportTransaction. Loading rows and
 * then building each index once is several times faster than updating every index per
 * row. Same transaction: all or nothing, and other connections keep seeing the indexes
 * of the last commit.
 */
/**
 * How an import into an empty table treats the tickets' indexes: 'rebuild' drops them and
 * builds each once after the last row (one sort: cheaper than keeping four indexes up row by
 * row where rows are written as fast as they are read, as from a ticket export); 'keep'
 * keeps them up as rows are written (an event log writes a ticket per several rows read: its
 * writer waits most of the time, and index upkeep costs it nothing the import waits for,
 * where a rebuild after the last row is time the import waits for).
 */
export type ImportIndexes = 'rebuild' | 'keep';

export function beginImportTransaction(db: Database.Database, indexes: ImportIndexes = 'rebuild'): ImportTransaction {
  const cacheSize = db.pragma('cache_size', { simple: true }) as number;
  // A big file touches many index pages: a larger page cache (32 MiB) for this connection.
  db.pragma('cache_size = -32768');
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    db.pragma(`cache_size = ${cacheSize}`);
    throw err;
  }
  const empty = noTickets(db);
  // tickets_computed stays: every row an import writes has the same computed_at (the
  // import's now), so each insert lands on that index's last page (on the writer thread,
  // while the rows are read) instead of a sort of the whole table after the last row (in
  // the import's tail): about even when measured, kept live.
  const rebuild = empty && indexes === 'rebuild'
    ? db.prepare<[], { name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name = 'tickets' AND name <> 'tickets_computed'",
    ).all()
    : [];
  for (const ix of rebuild) db.exec(`DROP INDEX "${ix.name}"`);
  // Without those indexes the rows go onto the table's last pages: half the cache does,
  // and the memory is the import's to use (a big event log grouped by ticket must stay
  // under its memory bound).
  if (rebuild.length > 0) db.pragma('cache_size = -16384');
  return { empty, rebuild, cacheSize };
}

export interface ImportTransaction {
  empty: boolean;
  rebuild: Array<{ name: string; sql: string }>;
  cacheSize: number;
}

/** Commit (building the dropped indexes) or roll back what beginImportTransaction began. */
export function endImportTransaction(db: Database.Database, tx: ImportTransaction, commit: boolean): void {
  try {
    if (commit) {
      if (tx.rebuild.length) {
        // Building an index sorts the table's keys: in small runs (4 MiB of memory each,
        // spilled to temporary files) sorted by helper threads as well, then merged —
        // about twice as fast on two cores as one big in-memory sort, and less memory.
        db.pragma('cache_size = -4096');
        db.pragma(`threads = ${Math.min(4, Math.max(1, availableParallelism()))}`);
        for (const ix of tx.rebuild) {
          const t0 = performance.now();
          db.exec(ix.sql);
          trace(`index ${ix.name}`, performance.now() - t0);
        }
      }
      const t0 = performance.now();
      db.exec('COMMIT');
      trace('commit', performance.now() - t0);
    } else {
      db.exec('ROLLBACK');
    }
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  } finally {
    db.pragma('threads = 0');
    db.pragma(`cache_size = ${tx.cacheSize}`);
  }
}

export interface OpenOptions {
  /** Create the file if missing (only `sla init` and imports do). */
  create?: boolean;
  migrationsDir?: string;
}

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
    let db: Database.Database;
    const isNew = path !== ':memory:' && !existsSync(path);
    // A file written by a newer sla is refused before SQLite opens it (turning on WAL rewrites
    // its header and makes -wal/-shm files): untouched, byte for byte.
    const migrations = readMigrations(opts.migrationsDir);
    if (!isNew && path !== ':memory:') {
      const version = headerUserVersion(path);
      const known = lastVersion(migrations);
      if (version !== null && version > known) throw newerSchema(version, known);
    }
    try {
      db = new Database(path, { fileMustExist: !opts.create, timeout: BUSY_TIMEOUT_MS });
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
      // A new file gets 16 KiB pages: a big import writes a quarter of the WAL frames,
      // and builds its indexes faster, than with the default 4 KiB (must precede WAL).
      if (isNew && opts.create) db.pragma('page_size = 16384');
      db.pragma('journal_mode = WAL');
      configureConnection(db);
      migrate(db, migrations);
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
  beginImport(indexes: ImportIndexes = 'rebuild'): ImportBatch {
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
    const rows = this.db.prepare(sql).all(...params) as Array<{
      seq: number; at: number; actor: string; action: string; ticket_id: string | null; reason: string | null;
      before: string | null; after: string | null;
    }>;
    return rows.map((r) => ({
      seq: r.seq, at: r.at, actor: r.actor, action: r.action, ticketId: r.ticket_id, reason: r.reason,
      before: r.before === null ? null : JSON.parse(r.before), after: r.after === null ? null : JSON.parse(r.after),
    }));
  }

}

const newerSchema = (current: number, known: number): StoreError => new StoreError(
  `database schema version ${current} is newer than this sla knows (${known})`,
  'it was written by a newer sla; upgrade sla — the file was not touched',
  1,
);

const lastVersion = (migrations: Migration[]): number => (migrations.length ? migrations[migrations.length - 1].version : 0);

/**
 * The schema version (SQLite's user_version, bytes 60–63 of the file's header) read from
 * the file itself, without SQLite; null when the file is not an SQLite database (SQLite then
 * says so). A newer version only in an unmerged WAL is caught by migrate() instead, when
 * opening the file changes nothing: it is in WAL mode already.
 */
function headerUserVersion(path: string): number | null {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(100);
    if (readSync(fd, head, 0, 100, 0) < 100 || head.toString('latin1', 0, 16) !== 'SQLite format 3\u0000') return null;
    return head.readUInt32BE(60);
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

function migrate(db: Database.Database, migrations: Migration[]): void {
  const known = lastVersion(migrations);
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > known) throw newerSchema(current, known);
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

/**
 * A set of strings as 32-bit hashes in an open-addressing table: `has` may answer true
 * for a string never added (rarely), never false for one added. 4 bytes a string, where
 * a Set keeps every id.
 */
export class IdSet {
  private table = new Int32Array(1 << 16);
  private size = 0;
  // The last id has() did not find, with its hash and the free slot it would take: an
  // import asks has(id) and then add(id) for every row, and a probe of a big table is a
  // cache miss. Valid until the table next changes.
  private missId: string | null = null;
  private missHash = 0;
  private missSlot = 0;

  private static hash(id: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) | 1; // never 0 (= a free slot)
  }

  has(id: string): boolean {
    const h = IdSet.hash(id);
    const mask = this.table.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const v = this.table[slot];
      if (v === 0) {
        this.missId = id;
        this.missHash = h;
        this.missSlot = slot;
        return false;
      }
      if (v === h) return true;
    }
  }

  /** Adds the id; false when it surely was not in the set before. */
  add(id: string): boolean {
    let h: number;
    let slot: number;
    if (this.missId !== null && id === this.missId) {
      h = this.missHash;
      slot = this.missSlot;
    } else {
      h = IdSet.hash(id);
      const mask = this.table.length - 1;
      slot = h & mask;
      for (;;) {
        const v = this.table[slot];
        if (v === 0) break;
        if (v === h) return true;
        slot = (slot + 1) & mask;
      }
    }
    this.missId = null;
    this.table[slot] = h;
    if (++this.size * 2 > this.table.length) this.grow();
    return false;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    const mask = this.table.length - 1;
    for (const h of old) {
      if (h === 0) continue;
      let slot = h & mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & mask;
      this.table[slot] = h;
    }
  }
}
