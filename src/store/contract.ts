// What every store engine implements (src/store/<engine>/), and what the use cases and
// commands are given: the operations, their rows and their errors. See port.ts, the store's
// face, which hands these on and picks the engine; the engines import this file, never
// port.ts, so that no engine and the face import each other.

import type { AggregateRow, GroupField } from '../domain/report.js';
import type { DayIndex } from '../domain/report-window.js';
import type { ByMetric, Metric } from '../domain/metrics.js';
import type { ComputedSla, Ticket, TicketEvent } from '../domain/ticket.js';
import type { Instant } from '../domain/types.js';
import { UserError } from '../errors.js';

/** Whether a database location names a server (a postgres:// URL: team mode) rather than a SQLite file. */
export const isServerUrl = (location: string): boolean => /^postgres(ql)?:\/\//i.test(location);

/** The variable a `database` written as `$NAME` names (a team's URL kept out of the config), or null. */
export function databaseVariable(location: string): string | null {
  return /^\$([A-Za-z_]\w*)$/.exec(location)?.[1] ?? null;
}

/** A database location as it may be shown: a URL's password replaced (a file path as it is). */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return url.replace(/(\/\/[^/:@]*):[^@/]*@/, '$1:***@');
  }
}

/** What is wrong with the database, and what to do: exit 1 unless told. */
export class StoreError extends UserError {
  constructor(message: string, hint: string, exitCode = 1) {
    super(message, hint, exitCode);
  }
}

// ---- tickets and their audit ---------------------------------------------------------

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

/** A ticket as stored, with its history. */
export interface StoredTicket { ticket: Ticket; events: TicketEvent[] }

/** One ticket write: the ticket, its state as computed, the events to append to its history. */
export interface TicketWrite { ticket: Ticket; computed: ComputedSla; events: readonly TicketEvent[] }

/** What a decision about one ticket writes (nothing when `write` is absent) and answers. */
export interface TicketChange<R> {
  write?: TicketWrite;
  audit?: AuditEntry[];
  result: R;
}

/** Per metric, the reason recorded for its breach (null: none). */
export type BreachReasons = ByMetric<string | null>;

/** A ticket with its history and its breach reasons. */
export interface TicketRecord {
  ticket: Ticket;
  events: TicketEvent[];
  breachReasons: BreachReasons;
}

export interface BreachReasonChange<R> {
  /** Set this metric's reason; undefined = refuse (write nothing). */
  set?: { metric: Metric; reason: string };
  audit?: AuditEntry[];
  result: R;
}

/** What a decision over every open ticket writes (recalc): all or nothing. */
/** What to write for one page of open tickets. */
export interface OpenTicketsPageChange {
  writes: readonly TicketWrite[];
  audit: readonly AuditEntry[];
}

/**
 * A decision over every open ticket, a page at a time: `page` says what to write for each
 * page as it is read (it may keep what it needs across pages: no I/O), `result` what the
 * whole comes to after the last page. An engine awaits each page's read, and hands it over.
 */
export interface OpenTicketsDecision<R> {
  page(records: readonly TicketRecord[]): OpenTicketsPageChange;
  result(): R;
}

export interface DueTicket { id: string; nextChangeAt: Instant }

export type StatusFilter = 'on_time' | 'at_risk' | 'breached' | 'paused';
export type SortKey = 'due' | 'priority' | 'created';

export interface ListFilter {
  status?: StatusFilter;
  /** Which clock `status` and `dueWithinMs` look at; absent = the ticket as a whole. */
  metric?: Metric;
  /** Canonical priority. */
  priority?: string;
  tier?: string;
  assignee?: string;
  unassigned?: boolean;
  /** Running clock due in [now, now + dueWithinMs]. */
  dueWithinMs?: number;
}

export interface ListQuery extends ListFilter {
  now: Instant;
  sort: SortKey;
  /** null = no limit. */
  limit: number | null;
  /** Config priorities, highest first (for --sort priority). */
  priorities: readonly string[];
}

export interface SlaEventRow {
  seq: number; cycle: number; type: string; rule: string; dueAt: Instant; recordedAt: Instant; announced: boolean;
  data: unknown;
}

export interface AlertRow {
  id: string; slaEventSeq: number | null; destination: string | null; type: string; status: string; attempts: number;
  lastError: string | null; createdAt: Instant; sentAt: Instant | null;
}

/**
 * An import's write transaction, open from beginImport to commit or rollback: nobody else
 * sees any of it until commit, and a crash leaves the database as it was. Its per-ticket
 * calls answer at once (an import makes millions): the import first hands each round of
 * tickets to `prepare`, awaited, and then asks importHash and load only about those. The
 * engine decides how it writes (the SQLite engine on a thread of its own when the file is
 * big enough to pay for one).
 */
export interface ImportBatch {
  /**
   * Makes the stored state of `ids` ready for importHash and load. An engine that reads
   * asynchronously (a database server) reads them here, one round trip per round, and
   * answers from what it read; the SQLite engine answers any id at once, and only checks
   * the contract when SLA_CHECK_PREPARE is set (the tests set it).
   */
  prepare(ids: readonly string[]): Promise<void>;
  /** The digest of the ticket's last imported row; undefined when there is no such ticket. */
  importHash(id: string): string | null | undefined;
  /** The stored ticket, its history and its import digest (see importHash). */
  load(id: string): { ticket: Ticket; events: TicketEvent[]; importHash: string | null } | null;
  put(ticket: Ticket, computed: ComputedSla, newEvents: readonly TicketEvent[], importHash: string | null): void;
  /**
   * A pull's page: moves the source's cursor from `c.from` (null: none yet) to `c.to` in
   * this transaction, so it commits with the rows it covers. Throws a PullCursorMoved when
   * the stored cursor is no longer `c.from` (another pull of the source got there first).
   * Only on a batch begun with `pull` in its hint.
   */
  advanceCursor(c: CursorAdvance): void;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/**
 * How an import into an empty table treats the tickets' indexes: 'rebuild' builds each once
 * after the last row (rows written as fast as they are read, as from a ticket export);
 * 'keep' keeps them up as rows are written (an event log writes a ticket per several rows
 * read: the writer waits most of the time anyway).
 */
export type ImportIndexes = 'rebuild' | 'keep';

export interface ImportHint {
  indexes: ImportIndexes;
  /** A pull's page: a small batch (never on a thread) that may advance a cursor. */
  pull?: boolean;
  /** The bytes the import will read, when known (a file's size): whether a writer thread pays. */
  expectedBytes: number | null;
}

export interface TicketStore {
  /** A ticket with its history and breach reasons, or null. */
  record(id: string): Promise<TicketRecord | null>;
  /**
   * Read-check-write of one ticket in one transaction: `decide` sees the stored ticket and
   * its history and returns what to write (or throws to refuse, which writes nothing).
   */
  mutateTicket<R>(id: string, decide: (current: StoredTicket | null) => TicketChange<R>): Promise<R>;
  /** The same for a breach reason (`sla reason`). */
  mutateBreachReason<R>(id: string, decide: (current: TicketRecord | null) => BreachReasonChange<R>): Promise<R>;
  /**
   * Every open ticket, a page at a time, to `decide` in one transaction whose writes are all
   * or nothing (`recalc`); `{ write: false }` reads the same and writes nothing, without
   * holding the write lock.
   */
  mutateOpenTickets<R>(decide: OpenTicketsDecision<R>, opts?: { write?: boolean }): Promise<R>;
  listAudit(filter?: AuditFilter): Promise<AuditEntry[]>;
  /** What `check` recorded for a ticket and the alerts it queued, oldest first. */
  slaEventsOf(id: string): Promise<SlaEventRow[]>;
  alertsOf(id: string): Promise<AlertRow[]>;
  /** Open tickets whose stored state answers the filter at q.now, in the list's order, and how many in all. */
  listOpenIds(q: ListQuery): Promise<{ ids: string[]; total: number }>;
  /** Open tickets at q.now whose stored state cannot answer for it (the caller evaluates them). */
  staleOpen(q: ListQuery): Promise<TicketRecord[]>;
  /** The tickets with these ids, in this order. */
  recordsByIds(ids: readonly string[]): Promise<TicketRecord[]>;
  /** Every ticket created in [since, until) with the field filters, oldest first, a page at a time. */
  listCreated(since: Instant | null, until: Instant | null, f: ListFilter): AsyncIterable<TicketRecord[]>;
  /** Tickets whose state changes at or before `t` with no new event, soonest first. */
  dueBefore(t: Instant, limit?: number): Promise<DueTicket[]>;
  /** An import's transaction (see ImportBatch). */
  beginImport(hint: ImportHint): Promise<ImportBatch>;
}

// ---- check: SLA events, the outbox, runs -----------------------------------------------

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'unrouted';

export interface SlaEventInsert {
  cycle: number;
  type: string;
  rule: string;
  dueAt: Instant;
  recordedAt: Instant;
  announced: boolean;
  data: unknown;
  runId: number | null;
}

export interface AlertInsert {
  id: string;
  destination: string | null;
  type: string;
  status: 'pending' | 'unrouted';
  nextAttemptAt: Instant | null;
  /** JSON of the alert's facts (never a secret). */
  payload: string;
  createdAt: Instant;
  runId: number | null;
}

export interface OutboxRow {
  id: string;
  slaEventSeq: number | null;
  ticketId: string;
  destination: string | null;
  type: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Instant | null;
  lastError: string | null;
  payload: string;
  createdAt: Instant;
  sentAt: Instant | null;
  runId: number | null;
  /** 'sending': until when (real clock) the run that claimed it holds it. */
  leaseUntil: Instant | null;
}

/**
 * A delivering run's leases: `owner` (one random id per run) holds what it claimed until
 * `until` (real clock, never --at), renewed while it works. An alert is claimable when it is
 * pending and due by the run's clock (`now`), or 'sending' under a lease that ran out — or
 * that ends more than two lease lengths ahead (leaseHorizon): written by a clock that ran
 * fast. Not one length: a machine whose clock is a few milliseconds ahead of this one's writes
 * fresh leases that end just beyond this one's "now + a lease", and taking those over at once
 * would send an alert twice.
 */
export interface Lease {
  owner: string;
  /** The real clock: read inside each claim's transaction (a time read before waiting for the write lock is stale). */
  wall: () => Instant;
  ms: number;
}

/** The latest end of a lease that a run at `wall` believes (see Lease). */
export function leaseHorizon(wall: Instant, lease: Lease): Instant {
  return wall + 2 * lease.ms;
}

export interface RunRow {
  id: number;
  startedAt: Instant;
  finishedAt: Instant | null;
  at: Instant;
  ticketsEvaluated: number;
  events: number;
  alertsSent: number;
  alertsFailed: number;
  status: string;
  error: string | null;
}

export interface RunStats {
  ticketsEvaluated: number;
  events: number;
  alertsSent: number;
  alertsFailed: number;
}

/** A ticket as `check` finds it inside its transaction. */
export interface CheckedTicket extends StoredTicket {
  /** The stored next_change_at (null: nothing due without a new event). */
  nextChangeAt: Instant | null;
  /** Transition keys (`type|rule`) recorded for the ticket's cycle. */
  fired(cycle: number): ReadonlySet<string>;
  /** How many manual escalations the cycle has. */
  manualEscalations(cycle: number): number;
}

/** An SLA event to record once, with the alerts it queues. */
export interface CheckEvent { event: SlaEventInsert; alerts: readonly AlertInsert[] }

/** What `check` writes for one ticket: SLA events (each once), their alerts, audit, the ticket's new state. */
export interface CheckChange<R> {
  events: readonly CheckEvent[];
  audit: readonly AuditEntry[];
  write: TicketWrite | null;
  result: R;
}

export interface CheckStore {
  /**
   * `check`'s write: the tickets `ids`, each read and handed to `decide` inside one
   * transaction, whose SLA events are recorded once (an event recorded by another run
   * meanwhile is not recorded again, and its alerts are not queued), alerts queued, audit
   * and state written. A ticket gone, or that `decide` passes (null), writes nothing.
   * `dryRun` rolls everything back; `countOpenIn` counts the open tickets in those SLA
   * states as the transaction leaves them (before a dry run's rollback).
   */
  recordCheck<R>(ids: readonly string[], decide: (cur: CheckedTicket) => CheckChange<R> | null,
    opts?: { dryRun?: boolean; countOpenIn?: readonly string[] }): Promise<{ results: R[]; openInStates: number | null }>;
  /** Customers with at least `n` open tickets (for customerOpenAtLeast rules). */
  customersWithOpenAtLeast(n: number): Promise<Array<{ customer: string; n: number }>>;
  /** created_at of the customer's nth (1-based) oldest open ticket. */
  nthOpenCreated(customer: string, n: number): Promise<Instant | null>;
  /** The customer's open tickets on which escalation rule `rule` has not fired this cycle. */
  unfiredOpenTickets(customer: string, rule: string): Promise<string[]>;
  /** Open tickets whose stored SLA status is one of `states`. */
  countOpenInStates(states: readonly string[]): Promise<number>;
  startRun(startedAt: Instant, at: Instant): Promise<number>;
  finishRun(id: number, finishedAt: Instant, stats: RunStats, status: 'ok' | 'failed', error: string | null): Promise<void>;
  listRuns(limit: number): Promise<RunRow[]>;
  lastRun(): Promise<RunRow | null>;
}

export interface OutboxStore {
  /** Destinations with claimable alerts (see Lease), and how many each has. */
  dueByDestination(now: Instant, lease: Lease): Promise<Array<{ destination: string; n: number }>>;
  /** A destination's claimable alerts, oldest first (not claimed). */
  due(destination: string, now: Instant, lease: Lease): Promise<OutboxRow[]>;
  /** Claims a destination's oldest claimable alerts, at most `limit`: concurrent runs never claim the same one. */
  claim(destination: string, now: Instant, lease: Lease, limit: number): Promise<OutboxRow[]>;
  claimOne(id: string, now: Instant, lease: Lease): Promise<OutboxRow | null>;
  /** Whether `owner` holds every one of these alerts at `wall` (real clock). */
  holds(ids: readonly string[], owner: string, wall: Instant): Promise<boolean>;
  /** Extends `lease.owner`'s leases by a lease from now: the ids it still holds. */
  renew(lease: Lease): Promise<string[]>;
  /** Marks the alerts sent, and records what they opened at their destination (see closeIncidents), in one transaction. */
  markSent(ids: readonly string[], at: Instant, attempts: number, opened?: readonly IncidentOpened[]): Promise<void>;
  /**
   * Each open incident with its ticket's state goes to `decide`; what it returns (a closing
   * alert) is queued and the incident forgotten, in one transaction: each is closed once.
   * Returns how many were.
   */
  closeIncidents(decide: (i: OpenIncident) => AlertInsert | null): Promise<number>;
  /** Back to pending until `nextAttemptAt` (each its own, or one for all), unless another run holds it now. */
  markRetry(ids: readonly string[], nextAttemptAt: Instant | readonly Instant[], attempts: number, error: string, owner: string): Promise<void>;
  markFailed(ids: readonly string[], attempts: number, error: string, owner: string): Promise<void>;
  /** Re-queue every failed alert, audited as `audit(n)` when there were any: how many. */
  retryFailed(now: Instant, audit: (n: number) => AuditEntry): Promise<number>;
  pendingCount(): Promise<number>;
  /** The outbox, newest first; `until`: only alerts created at or before it. */
  listAlerts(f?: { statuses?: readonly OutboxStatus[]; limit?: number; until?: Instant }): Promise<OutboxRow[]>;
  countAlerts(statuses?: readonly OutboxStatus[]): Promise<number>;
  /** Destinations whose receiver answered 410 Gone, oldest first. */
  disabledDestinations(): Promise<DisabledDestination[]>;
  /** Records (or replaces) a destination's disabling. */
  disableDestination(d: DisabledDestination): Promise<void>;
  /** Sends to the destination again (audited as `audit` when it was disabled): whether it was. */
  enableDestination(name: string, audit: AuditEntry | null): Promise<boolean>;
}

/** What a sent alert opened at its destination (a PagerDuty alert): closed when its clock stops. */
export interface IncidentOpened {
  destination: string;
  /** The destination's own key for it (PagerDuty's dedup key). */
  key: string;
  ticketId: string;
  /** The clock it is about; null: closed with the ticket (an escalation). */
  metric: Metric | null;
  cycle: number;
}

/** An open incident and what its ticket says now. */
export interface OpenIncident extends IncidentOpened {
  openedAt: Instant;
  /** The ticket's status and SLA cycle now; null when the ticket is gone. */
  ticketStatus: string | null;
  ticketCycle: number | null;
  /** When the incident's clock stopped (null: it runs, or none). */
  stoppedAt: Instant | null;
}

/** A destination whose receiver answered 410 Gone: nothing is sent to it while its `target` stays the same. */
export interface DisabledDestination {
  name: string;
  /** Digest of the resolved destination that answered 410 (never the URL itself). */
  target: string;
  /** When, on the real clock. */
  disabledAt: Instant;
  /** The answer, e.g. "HTTP 410". */
  reason: string;
}

// ---- report ----------------------------------------------------------------------------

export type { DayIndex };

export interface ReportQuery {
  /** Window [from, to) of created_at; tickets created after `now` are left out. */
  from: number;
  to: number;
  now: number;
  by: GroupField;
  /** The top priority (config.priorities[0]): "urgent open" counts it. */
  urgent: string | null;
  /** Also split rows by local day (day index 0 … days-1). */
  daily: boolean;
  /** Local day of an instant: floor((t + offset(t) − localEpoch) / 86 400 000). */
  day: DayIndex;
  /** Windows with at least this many tickets are counted in parallel (default 150,000; tests lower it). */
  parallelMinTickets?: number;
}

/** The per-ticket state as of `now` of a ticket that the stored columns cannot classify. */
export interface OverrideRow {
  id: string;
  createdAt: Instant;
  /** The priority, policy and assignee as of `now`. */
  priority: string | null;
  tier: string | null;
  policy: string | null;
  assignee: string | null;
  group: string | null;
  customer: string | null;
  status: string;
  /** The first agent response (null: never answered). */
  firstResponseAt: Instant | null;
  /** The clocks as of `now` (computedAt = now: nothing is stale, no pause time to add). */
  computed: ComputedSla;
  /** Per metric, its recorded breach reason if it had breached by `now`, else null. */
  breachReasons: BreachReasons;
}

export interface ReportAggregates {
  rows: AggregateRow[];
  /** Tickets the stored columns cannot classify at `now`, not in `rows`. */
  stale: number;
  /** How many slices ran at the same time (1 = one connection). */
  slices: number;
}

/** What `sla metrics` counts in the database (one read). */
export interface MetricsCounts {
  /** Open tickets by their stored SLA status (kept current by check) and priority. */
  open: Array<{ slaStatus: string | null; priority: string | null; n: number }>;
  /** SLA events recorded, by type and by their ticket's policy and priority. */
  events: Array<{ type: string; policy: string | null; priority: string | null; n: number }>;
  /** Alerts in the outbox, by status. */
  outbox: Array<{ status: string; n: number }>;
  /** The last check run, and the last one that ended well. */
  lastRun: RunRow | null;
  lastSuccess: RunRow | null;
}

export interface ReportStore {
  /** The counts `sla metrics` exposes, in one read. */
  metricsCounts(): Promise<MetricsCounts>;
  /**
   * The window's counts per group (and day) as of q.now: the stored state counted where it
   * answers for now, and each ticket it cannot answer for (written later: --at in the past;
   * a manual pause run out) re-evaluated by `reevaluate` and counted from that.
   */
  reportCounts(q: ReportQuery, reevaluate: (r: TicketRecord) => OverrideRow): Promise<{ aggregates: ReportAggregates; reevaluated: number }>;
}

// ---- pulls from a helpdesk's API -------------------------------------------------------

/** Where a source's pulls have got to. */
export interface PullCursor {
  source: string;
  kind: string;
  /** The source's own position (its JSON text). */
  cursor: string;
  /** When it was committed. */
  savedAt: Instant;
  /** The start of the last pull that reached the end of the source's changes (the data is current as of then). */
  currentAt: Instant | null;
}

export interface CursorAdvance {
  source: string;
  kind: string;
  from: string | null;
  to: string;
  savedAt: Instant;
  /** Set when this page reached the end of the source's changes. */
  currentAt?: Instant;
}

/** Another pull of the source committed a page since this one read the cursor. */
export class PullCursorMoved extends StoreError {
  constructor(source: string) {
    super(`another pull of ${JSON.stringify(source)} moved its cursor while this one ran; this pull stopped, nothing of its last page was written`,
      'run one pull of a source at a time (cron: `flock -n /tmp/sla-pull.lock sla pull NAME`); the next pull resumes from the cursor');
  }
}

export type PullStatus = 'running' | 'ok' | 'partial' | 'failed';

export interface PullStats { requests: number; pages: number; tickets: number; events: number }

export interface PullRow extends PullStats {
  id: number;
  source: string;
  startedAt: Instant;
  finishedAt: Instant | null;
  status: PullStatus;
  cursorBefore: string | null;
  cursorAfter: string | null;
  error: string | null;
}

export interface PullStore {
  pullCursor(source: string): Promise<PullCursor | null>;
  pullCursors(): Promise<PullCursor[]>;
  startPull(source: string, startedAt: Instant, cursorBefore: string | null): Promise<number>;
  finishPull(id: number, finishedAt: Instant, stats: PullStats, status: Exclude<PullStatus, 'running'>, cursorAfter: string | null, error: string | null): Promise<void>;
  /** The latest pulls, newest first. */
  listPulls(limit: number): Promise<PullRow[]>;
}

// ---- a whole database, copied to another (sla db copy) -----------------------------------

/** A page of one table's rows: its columns, and each row's values in their order. */
export interface TablePage { table: string; columns: readonly string[]; rows: readonly unknown[][] }

export interface CopyStore {
  /**
   * Every row of every table that holds data (see COPIED_TABLES), table by table in that
   * order, each by its key, a page at a time — all from one snapshot of the database.
   */
  dumpTables(): AsyncIterable<TablePage>;
  /**
   * Writes the pages into this database, in one transaction; refused (a StoreError, nothing
   * written) unless it holds no rows at all. Columns are matched by name.
   */
  loadTables(pages: AsyncIterable<TablePage>): Promise<void>;
}

export interface Store extends TicketStore, CheckStore, OutboxStore, ReportStore, PullStore, CopyStore {
  /** The schema version the database has. */
  schemaVersion(): Promise<number>;
  close(): void;
}

export interface OpenOptions {
  /** Create the database if missing (only `sla init` and imports do). */
  create?: boolean;
}

/** A note that a process holds the database's write lock for long (see holderNote). */
export interface Holder { what: string; pid: number; since: number }
