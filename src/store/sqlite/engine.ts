// The SQLite engine behind store/port.ts: one connection (better-sqlite3, synchronous), its
// operations answered at once. Each coarse operation of the port is one immediate transaction
// here (or one read), in which the caller's pure decision runs.

import type {
  AlertInsert, AlertRow, AuditEntry, AuditFilter, BreachReasonChange, CheckChange, CheckedTicket, DisabledDestination, DueTicket, IncidentOpened, ImportBatch, ImportHint,
  Lease, ListFilter, ListQuery, MetricsCounts, OpenIncident, OpenOptions, OpenTicketsDecision, OutboxRow, OutboxStatus, OverrideRow, ReportAggregates,
  PullCursor, PullRow, PullStats, PullStatus, ReportQuery, RunRow, RunStats, SlaEventRow, Store, StoredTicket, TablePage, TicketChange, TicketRecord,
} from '../contract.js';
import { dumpTables, loadTables } from './copy.js';
import type { Instant } from '../../domain/types.js';
import { beginImport } from './import-batch.js';
import { AlertStore } from './outbox.js';
import { Pulls } from './pulls.js';
import {
  allOpen, getAlerts, getRecord, getSlaEvents, inWriteTransaction, listCreated, listOpenIds, recordBreachReason, recordsByIds,
  staleOpen,
} from './queries.js';
import { overrideAggregates, reportAggregates, staleRecords } from './report.js';
import { Store as Tickets } from './tickets.js';

/** Thrown inside a dry run's transaction to roll it back. */
class DryRunRollback extends Error {}

export class SqliteStore implements Store {
  private constructor(private readonly t: Tickets, private readonly o: AlertStore, private readonly p: Pulls) {}

  static open(path: string, opts: OpenOptions = {}): SqliteStore {
    const t = Tickets.open(path, opts);
    return new SqliteStore(t, new AlertStore(t), new Pulls(t.db));
  }

  close(): void {
    this.t.close();
  }

  async schemaVersion(): Promise<number> {
    return this.t.schemaVersion();
  }

  // ---- tickets ----

  async record(id: string): Promise<TicketRecord | null> {
    return getRecord(this.t, id);
  }

  async mutateTicket<R>(id: string, decide: (current: StoredTicket | null) => TicketChange<R>): Promise<R> {
    return this.t.mutateTicket(id, decide);
  }

  async mutateBreachReason<R>(id: string, decide: (current: TicketRecord | null) => BreachReasonChange<R>): Promise<R> {
    return recordBreachReason(this.t, id, decide);
  }

  async mutateOpenTickets<R>(decide: OpenTicketsDecision<R>, opts: { write?: boolean } = {}): Promise<R> {
    if (opts.write === false) {
      for (const page of allOpen(this.t)) decide.page(page);
      return decide.result();
    }
    return inWriteTransaction(this.t, () => {
      for (const page of allOpen(this.t)) {
        const change = decide.page(page);
        this.t.saveTickets(change.writes);
        for (const a of change.audit) this.t.addAudit(a);
      }
      return decide.result();
    });
  }

  async listAudit(filter?: AuditFilter): Promise<AuditEntry[]> {
    return this.t.listAudit(filter);
  }

  async slaEventsOf(id: string): Promise<SlaEventRow[]> {
    return getSlaEvents(this.t, id);
  }

  async alertsOf(id: string): Promise<AlertRow[]> {
    return getAlerts(this.t, id);
  }

  async listOpenIds(q: ListQuery): Promise<{ ids: string[]; total: number }> {
    return listOpenIds(this.t, q);
  }

  async staleOpen(q: ListQuery): Promise<TicketRecord[]> {
    return staleOpen(this.t, q);
  }

  async recordsByIds(ids: readonly string[]): Promise<TicketRecord[]> {
    return recordsByIds(this.t, ids);
  }

  async *listCreated(since: Instant | null, until: Instant | null, f: ListFilter): AsyncIterable<TicketRecord[]> {
    yield* listCreated(this.t, since, until, f);
  }

  async dueBefore(t: Instant, limit?: number): Promise<DueTicket[]> {
    return this.t.dueBefore(t, limit);
  }

  async beginImport(hint: ImportHint): Promise<ImportBatch> {
    // A pull's page is small, and its cursor is written on this connection, in its transaction.
    const b = hint.pull ? this.t.beginImport(hint.indexes) : beginImport(this.t, hint.indexes, hint);
    const batch: ImportBatch = {
      // SQLite reads a ticket when asked: nothing to make ready.
      prepare: async () => undefined,
      importHash: b.importHash, load: b.load, put: b.put,
      advanceCursor: (c) => {
        if (!hint.pull) throw new Error('advanceCursor on a batch not begun for a pull');
        this.p.advance(c);
      },
      commit: async () => b.commit(),
      rollback: async () => b.rollback(),
    };
    return process.env.SLA_CHECK_PREPARE === '1' ? checkedPrepare(batch) : batch;
  }

  // ---- pulls ----

  async pullCursor(source: string): Promise<PullCursor | null> {
    return this.p.cursor(source);
  }

  async pullCursors(): Promise<PullCursor[]> {
    return this.p.cursors();
  }

  async startPull(source: string, startedAt: Instant, cursorBefore: string | null): Promise<number> {
    return this.p.start(source, startedAt, cursorBefore);
  }

  async finishPull(
    id: number, finishedAt: Instant, stats: PullStats, status: Exclude<PullStatus, 'running'>, cursorAfter: string | null, error: string | null,
  ): Promise<void> {
    this.p.finish(id, finishedAt, stats, status, cursorAfter, error);
  }

  async listPulls(limit: number): Promise<PullRow[]> {
    return this.p.list(limit);
  }

  // ---- check ----

  async recordCheck<R>(
    ids: readonly string[], decide: (cur: CheckedTicket) => CheckChange<R> | null,
    opts: { dryRun?: boolean; countOpenIn?: readonly string[] } = {},
  ): Promise<{ results: R[]; openInStates: number | null }> {
    const o = this.o;
    const results: R[] = [];
    let openInStates: number | null = null;
    const run = (): void => {
      for (const id of ids) {
        const stored = this.t.getTicketWithEvents(id);
        if (!stored) continue;
        const change = decide({
          ticket: stored.ticket, events: stored.events, nextChangeAt: o.nextChangeAt(id) ?? null,
          fired: (cycle) => o.firedKeys(id, cycle), manualEscalations: (cycle) => o.manualEscalations(id, cycle),
        });
        if (!change) continue;
        for (const { event, alerts } of change.events) {
          const seq = o.insertSlaEvent({ ticketId: id, ...event });
          if (seq === null) continue; // recorded by another run: its alerts are queued already
          for (const a of alerts) o.insertAlert({ ...a, ticketId: id, slaEventSeq: seq });
        }
        for (const a of change.audit) this.t.addAudit(a);
        if (change.write) this.t.saveTicket(change.write.ticket, change.write.computed, change.write.events);
        results.push(change.result);
      }
      if (opts.countOpenIn) openInStates = o.countOpenInStates(opts.countOpenIn);
    };
    if (!opts.dryRun) {
      o.tx(run);
    } else {
      try {
        o.tx(() => {
          run();
          throw new DryRunRollback();
        });
      } catch (err) {
        if (!(err instanceof DryRunRollback)) throw err;
      }
    }
    return { results, openInStates };
  }

  async customersWithOpenAtLeast(n: number): Promise<Array<{ customer: string; n: number }>> {
    // The index these lookups use, made the first time such a rule is checked — in a dry run
    // too: it changes no data, and without it each customer's lookup scans the whole table.
    this.o.ensureOpenCustomerIndex();
    return this.o.customersWithOpenAtLeast(n);
  }

  async nthOpenCreated(customer: string, n: number): Promise<Instant | null> {
    return this.o.nthOpenCreated(customer, n);
  }

  async unfiredOpenTickets(customer: string, rule: string): Promise<string[]> {
    return this.o.unfiredOpenTickets(customer, rule);
  }

  async countOpenInStates(states: readonly string[]): Promise<number> {
    return this.o.countOpenInStates(states);
  }

  async startRun(startedAt: Instant, at: Instant): Promise<number> {
    return this.o.startRun(startedAt, at);
  }

  async finishRun(id: number, finishedAt: Instant, stats: RunStats, status: 'ok' | 'failed', error: string | null): Promise<void> {
    this.o.finishRun(id, finishedAt, stats, status, error);
  }

  async listRuns(limit: number): Promise<RunRow[]> {
    return this.o.listRuns(limit);
  }

  async lastRun(): Promise<RunRow | null> {
    return this.o.lastRun();
  }

  // ---- outbox ----

  async dueByDestination(now: Instant, lease: Lease): Promise<Array<{ destination: string; n: number }>> {
    return this.o.dueByDestination(now, lease);
  }

  async due(destination: string, now: Instant, lease: Lease): Promise<OutboxRow[]> {
    return this.o.due(destination, now, lease);
  }

  async claim(destination: string, now: Instant, lease: Lease, limit: number): Promise<OutboxRow[]> {
    return this.o.claim(destination, now, lease, limit);
  }

  async claimOne(id: string, now: Instant, lease: Lease): Promise<OutboxRow | null> {
    return this.o.claimOne(id, now, lease);
  }

  async holds(ids: readonly string[], owner: string, wall: Instant): Promise<boolean> {
    return this.o.holds(ids, owner, wall);
  }

  async renew(lease: Lease): Promise<string[]> {
    return this.o.renew(lease);
  }

  async markSent(ids: readonly string[], at: Instant, attempts: number, opened?: readonly IncidentOpened[]): Promise<void> {
    this.o.markSent(ids, at, attempts, opened);
  }

  async closeIncidents(decide: (i: OpenIncident) => AlertInsert | null): Promise<number> {
    return this.o.closeIncidents(decide);
  }

  async markRetry(ids: readonly string[], nextAttemptAt: Instant | readonly Instant[], attempts: number, error: string, owner: string): Promise<void> {
    this.o.markRetry(ids, nextAttemptAt, attempts, error, owner);
  }

  async markFailed(ids: readonly string[], attempts: number, error: string, owner: string): Promise<void> {
    this.o.markFailed(ids, attempts, error, owner);
  }

  async retryFailed(now: Instant, audit: (n: number) => AuditEntry): Promise<number> {
    return this.o.tx(() => {
      const n = this.o.retryFailed(now);
      if (n > 0) this.t.addAudit(audit(n));
      return n;
    });
  }

  async pendingCount(): Promise<number> {
    return this.o.pendingCount();
  }

  async listAlerts(f?: { statuses?: readonly OutboxStatus[]; limit?: number; until?: Instant }): Promise<OutboxRow[]> {
    return this.o.listAlerts(f);
  }

  async countAlerts(statuses?: readonly OutboxStatus[]): Promise<number> {
    return this.o.countAlerts(statuses);
  }

  async metricsCounts(): Promise<MetricsCounts> {
    return this.o.metricsCounts();
  }

  async disabledDestinations(): Promise<DisabledDestination[]> {
    return this.o.disabledDestinations();
  }

  async disableDestination(d: DisabledDestination): Promise<void> {
    this.o.disableDestination(d);
  }

  async enableDestination(name: string, audit: AuditEntry | null): Promise<boolean> {
    return this.o.tx(() => {
      const was = this.o.enableDestination(name);
      if (was && audit) this.t.addAudit(audit);
      return was;
    });
  }

  // ---- copy ----

  dumpTables(): AsyncIterable<TablePage> {
    return dumpTables(this.t.db);
  }

  loadTables(pages: AsyncIterable<TablePage>): Promise<void> {
    return loadTables(this.t.db, pages);
  }

  // ---- report ----

  async reportCounts(q: ReportQuery, reevaluate: (r: TicketRecord) => OverrideRow): Promise<{ aggregates: ReportAggregates; reevaluated: number }> {
    const first = await reportAggregates(this.t, q);
    if (first.stale === 0) return { aggregates: first, reevaluated: 0 };
    const overrides: OverrideRow[] = [];
    for (const r of staleRecords(this.t, q)) overrides.push(reevaluate(r));
    const rows = first.rows.concat(overrideAggregates(this.t, q, overrides));
    return { aggregates: { ...first, rows }, reevaluated: overrides.length };
  }
}

/**
 * The batch, refusing importHash and load for a ticket not handed to prepare in the current
 * round (a round ends at the next prepare): the contract an asynchronous engine relies on,
 * held by the tests on this engine (SLA_CHECK_PREPARE=1).
 */
function checkedPrepare(b: ImportBatch): ImportBatch {
  let ready = new Set<string>();
  const check = (id: string): void => {
    if (!ready.has(id)) throw new Error(`import asked about ticket ${id} without preparing it first (this is a bug)`);
  };
  return {
    ...b,
    prepare: async (ids) => { ready = new Set(ids); },
    importHash: (id) => { check(id); return b.importHash(id); },
    load: (id) => { check(id); return b.load(id); },
  };
}
