// The PostgreSQL engine behind store/port.ts (team mode): one pool of connections to a shared
// database that any number of machines use at once. Each coarse operation of the port is one
// transaction (or one read) on the server; rows a write decides about are locked while its
// pure decision runs, and the outbox is claimed with FOR UPDATE SKIP LOCKED under leases.
// The operations live by subject: tickets.ts, outbox.ts, report.ts, pulls.ts.

import postgres from 'postgres';
import type {
  AlertInsert, AuditEntry, AuditFilter, BreachReasonChange, CheckChange, CheckedTicket, DisabledDestination, DueTicket, ImportBatch, ImportHint,
  IncidentOpened, Lease, ListFilter, ListQuery, MetricsCounts, OpenIncident, OpenTicketsDecision, OutboxRow, OutboxStatus, OverrideRow, PullCursor,
  PullRow, PullStats, PullStatus, ReportAggregates, ReportQuery, RunRow, RunStats, SlaEventRow, AlertRow, Store, StoredTicket, TablePage, TicketChange, TicketRecord,
} from '../contract.js';
import { dumpTables, loadTables } from './copy.js';
import type { Instant } from '../../domain/types.js';
import { describeError, openPostgres, schemaVersion, type Sql } from './open.js';
import { beginPgImport } from './import-batch.js';
import { PgOutbox } from './outbox.js';
import { PgPulls } from './pulls.js';
import { PgReport } from './report.js';
import { PgTickets } from './tickets.js';

export class PgStore implements Store {
  private readonly t: PgTickets;
  private readonly o: PgOutbox;
  private readonly r: PgReport;
  private readonly p: PgPulls;

  private constructor(private readonly sql: Sql) {
    this.p = new PgPulls(sql);
    this.t = new PgTickets(sql);
    this.o = new PgOutbox(sql);
    this.r = new PgReport(sql);
  }

  /** Connects to `url` and brings its schema up to date (see openPostgres). */
  static async open(url: string): Promise<Store> {
    return guarded(new PgStore(await openPostgres(url)), url);
  }

  close(): void {
    void this.sql.end({ timeout: 1 });
  }

  async schemaVersion(): Promise<number> {
    return schemaVersion(this.sql);
  }

  // ---- tickets ----

  record(id: string): Promise<TicketRecord | null> { return this.t.record(id); }
  mutateTicket<R>(id: string, decide: (current: StoredTicket | null) => TicketChange<R>): Promise<R> { return this.t.mutateTicket(id, decide); }
  mutateBreachReason<R>(id: string, decide: (current: TicketRecord | null) => BreachReasonChange<R>): Promise<R> { return this.t.mutateBreachReason(id, decide); }
  mutateOpenTickets<R>(decide: OpenTicketsDecision<R>, opts?: { write?: boolean }): Promise<R> { return this.t.mutateOpenTickets(decide, opts); }
  listAudit(filter?: AuditFilter): Promise<AuditEntry[]> { return this.t.listAudit(filter); }
  slaEventsOf(id: string): Promise<SlaEventRow[]> { return this.t.slaEventsOf(id); }
  alertsOf(id: string): Promise<AlertRow[]> { return this.t.alertsOf(id); }
  listOpenIds(q: ListQuery): Promise<{ ids: string[]; total: number }> { return this.t.listOpenIds(q); }
  staleOpen(q: ListQuery): Promise<TicketRecord[]> { return this.t.staleOpen(q); }
  recordsByIds(ids: readonly string[]): Promise<TicketRecord[]> { return this.t.recordsByIds(ids); }
  listCreated(since: Instant | null, until: Instant | null, f: ListFilter): AsyncIterable<TicketRecord[]> { return this.t.listCreated(since, until, f); }
  dueBefore(t: Instant, limit?: number): Promise<DueTicket[]> { return this.t.dueBefore(t, limit); }
  beginImport(hint: ImportHint): Promise<ImportBatch> { return beginPgImport(this.sql, this.p, hint); }

  // ---- pulls ----

  pullCursor(source: string): Promise<PullCursor | null> { return this.p.cursor(source); }
  pullCursors(): Promise<PullCursor[]> { return this.p.cursors(); }
  startPull(source: string, startedAt: Instant, cursorBefore: string | null): Promise<number> { return this.p.start(source, startedAt, cursorBefore); }
  finishPull(id: number, finishedAt: Instant, stats: PullStats, status: Exclude<PullStatus, 'running'>, cursorAfter: string | null, error: string | null): Promise<void> {
    return this.p.finish(id, finishedAt, stats, status, cursorAfter, error);
  }
  listPulls(limit: number): Promise<PullRow[]> { return this.p.list(limit); }

  // ---- check ----

  recordCheck<R>(ids: readonly string[], decide: (cur: CheckedTicket) => CheckChange<R> | null,
    opts?: { dryRun?: boolean; countOpenIn?: readonly string[] }): Promise<{ results: R[]; openInStates: number | null }> {
    return this.o.recordCheck(ids, decide, opts);
  }
  customersWithOpenAtLeast(n: number): Promise<Array<{ customer: string; n: number }>> { return this.o.customersWithOpenAtLeast(n); }
  nthOpenCreated(customer: string, n: number): Promise<Instant | null> { return this.o.nthOpenCreated(customer, n); }
  unfiredOpenTickets(customer: string, rule: string): Promise<string[]> { return this.o.unfiredOpenTickets(customer, rule); }
  countOpenInStates(states: readonly string[]): Promise<number> { return this.o.countOpenInStates(states); }
  startRun(startedAt: Instant, at: Instant): Promise<number> { return this.o.startRun(startedAt, at); }
  finishRun(id: number, finishedAt: Instant, stats: RunStats, status: 'ok' | 'failed', error: string | null): Promise<void> {
    return this.o.finishRun(id, finishedAt, stats, status, error);
  }
  listRuns(limit: number): Promise<RunRow[]> { return this.o.listRuns(limit); }
  lastRun(): Promise<RunRow | null> { return this.o.lastRun(); }

  // ---- outbox ----

  dueByDestination(now: Instant, lease: Lease): Promise<Array<{ destination: string; n: number }>> { return this.o.dueByDestination(now, lease); }
  due(destination: string, now: Instant, lease: Lease): Promise<OutboxRow[]> { return this.o.due(destination, now, lease); }
  claim(destination: string, now: Instant, lease: Lease, limit: number): Promise<OutboxRow[]> { return this.o.claim(destination, now, lease, limit); }
  claimOne(id: string, now: Instant, lease: Lease): Promise<OutboxRow | null> { return this.o.claimOne(id, now, lease); }
  holds(ids: readonly string[], owner: string, wall: Instant): Promise<boolean> { return this.o.holds(ids, owner, wall); }
  renew(lease: Lease): Promise<string[]> { return this.o.renew(lease); }
  markSent(ids: readonly string[], at: Instant, attempts: number, opened?: readonly IncidentOpened[]): Promise<void> { return this.o.markSent(ids, at, attempts, opened); }
  closeIncidents(decide: (i: OpenIncident) => AlertInsert | null): Promise<number> { return this.o.closeIncidents(decide); }
  markRetry(ids: readonly string[], nextAttemptAt: Instant | readonly Instant[], attempts: number, error: string, owner: string): Promise<void> {
    return this.o.markRetry(ids, nextAttemptAt, attempts, error, owner);
  }
  markFailed(ids: readonly string[], attempts: number, error: string, owner: string): Promise<void> { return this.o.markFailed(ids, attempts, error, owner); }
  retryFailed(now: Instant, audit: (n: number) => AuditEntry): Promise<number> { return this.o.retryFailed(now, audit); }
  pendingCount(): Promise<number> { return this.o.pendingCount(); }
  listAlerts(f?: { statuses?: readonly OutboxStatus[]; limit?: number; until?: Instant }): Promise<OutboxRow[]> { return this.o.listAlerts(f); }
  countAlerts(statuses?: readonly OutboxStatus[]): Promise<number> { return this.o.countAlerts(statuses); }
  disabledDestinations(): Promise<DisabledDestination[]> { return this.o.disabledDestinations(); }
  disableDestination(d: DisabledDestination): Promise<void> { return this.o.disableDestination(d); }
  enableDestination(name: string, audit: AuditEntry | null): Promise<boolean> { return this.o.enableDestination(name, audit); }

  // ---- copy ----

  dumpTables(): AsyncIterable<TablePage> { return dumpTables(this.sql); }
  loadTables(pages: AsyncIterable<TablePage>): Promise<void> { return loadTables(this.sql, pages); }

  // ---- report ----

  metricsCounts(): Promise<MetricsCounts> { return this.o.metricsCounts(); }
  reportCounts(q: ReportQuery, reevaluate: (r: TicketRecord) => OverrideRow): Promise<{ aggregates: ReportAggregates; reevaluated: number }> {
    return this.r.reportCounts(q, reevaluate);
  }
}

/**
 * The store, each operation's failures of the server or the connection said for the user (one
 * line: what, where, what to do; never the password); what a decision refused passes as it is.
 * One wrapper rather than a try in each of the port's operations.
 */
function guarded(store: PgStore, url: string): Store {
  const say = (err: unknown): never => { throw isDriverError(err) ? describeError(err, url) : err; };
  return new Proxy(store, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      // the port's operations only (the pool in a field is a function too)
      if (typeof v !== 'function' || !Object.hasOwn(PgStore.prototype, key) || key === 'close' || key === 'constructor') return v;
      if (key === 'listCreated' || key === 'dumpTables') {
        return async function* (...args: unknown[]) {
          try { yield* (v as (...a: unknown[]) => AsyncIterable<unknown>).apply(target, args); } catch (err) { say(err); }
        };
      }
      return (...args: unknown[]) => {
        const out = (v as (...a: unknown[]) => unknown).apply(target, args);
        return out instanceof Promise ? out.catch(say) : out;
      };
    },
  });
}

/** An error of the server or of the connection to it (not one a decision threw). */
export function isDriverError(err: unknown): boolean {
  if (err instanceof postgres.PostgresError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(E[A-Z]+|CONNECT_TIMEOUT|CONNECTION_\w+|\w*_TIMEOUT|UNDEFINED_VALUE|MAX_PARAMETERS_EXCEEDED|SASL_SIGNATURE_MISMATCH|AUTH_TYPE_NOT_IMPLEMENTED)$/.test(code);
}
