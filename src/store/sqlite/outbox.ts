// All SQL of `check`, `watch`, `alerts`, `runs` and `escalate`: the SLA events
// (exactly once by UNIQUE(ticket_id, cycle, type, rule)), the alert outbox and
// the record of runs. Writes happen inside the caller's `tx` (an immediate
// transaction) or are one short transaction each; no network I/O ever runs
// while one is open.

import type { Instant } from '../../domain/types.js';
import { METRICS, type Metric } from '../../domain/metrics.js';
import type {
  AlertInsert, DisabledDestination, IncidentOpened, Lease, MetricsCounts, OpenIncident, OutboxRow, OutboxStatus, RunRow, RunStats, SlaEventInsert,
} from '../contract.js';
import { leaseHorizon } from '../contract.js';
import { metricColumn } from '../metric-columns.js';
import { toAlert, toRun, type RawAlert, type RawRun } from '../outbox-rows.js';
import { OPEN_SQL as OPEN } from './ticket-row.js';
import type { Store } from './tickets.js';

/** The open-customer index (migrations 003, 005), for customerOpenAtLeast rules. */
export const OPEN_CUSTOMER_INDEX_SQL =
  `CREATE INDEX IF NOT EXISTS tickets_open_customer ON tickets(customer, created_at) WHERE ${OPEN} AND customer IS NOT NULL`;

/** An alert a run may claim (see Lease); parameters: the run's now, the real clock, the real clock + one lease length. */
const CLAIMABLE = `(status = 'pending' AND next_attempt_at <= ?
  OR status = 'sending' AND (lease_until IS NULL OR lease_until <= ? OR lease_until > ?))`;

export class AlertStore {
  private readonly s: ReturnType<AlertStore['prepare']>;

  constructor(readonly store: Store) {
    this.s = this.prepare();
  }

  private prepare() {
    const db = this.store.db;
    return {
      nextChangeAt: db.prepare<[string], number | null>('SELECT next_change_at FROM tickets WHERE id = ?').pluck(),
      fired: db.prepare<[string, number], { type: string; rule: string }>('SELECT type, rule FROM sla_events WHERE ticket_id = ? AND cycle = ?'),
      insertEvent: db.prepare<unknown[], { seq: number }>(
        `INSERT INTO sla_events (ticket_id, cycle, type, rule, due_at, recorded_at, announced, data, run_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ticket_id, cycle, type, rule) DO NOTHING RETURNING seq`,
      ),
      manualCount: db.prepare<[string, number], number>(
        "SELECT count(*) FROM sla_events WHERE ticket_id = ? AND cycle = ? AND type = 'escalated' AND rule LIKE 'manual:%'",
      ).pluck(),
      insertAlert: db.prepare(
        `INSERT INTO alerts (id, sla_event_seq, ticket_id, destination, type, status, attempts, next_attempt_at, payload, created_at, run_id)
         VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      ),
      customersAtLeast: db.prepare<[number], { customer: string; n: number }>(
        `SELECT customer, count(*) AS n FROM tickets
         WHERE ${OPEN} AND customer IS NOT NULL GROUP BY customer HAVING count(*) >= ?`,
      ),
      nthOpenCreated: db.prepare<[string, number], number>(
        `SELECT created_at FROM tickets
         WHERE customer = ? AND ${OPEN} AND customer IS NOT NULL ORDER BY created_at LIMIT 1 OFFSET ?`,
      ).pluck(),
      unfiredOfCustomer: db.prepare<[string, string], string>(
        `SELECT t.id FROM tickets t
         WHERE t.customer = ? AND t.${OPEN} AND t.customer IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM sla_events e WHERE e.ticket_id = t.id AND e.cycle = t.sla_cycle AND e.type = 'escalated' AND e.rule = ?)`,
      ).pluck(),
      // claimable (see Lease): params now, wall, the lease horizon
      dueByDestination: db.prepare<[number, number, number], { destination: string; n: number }>(
        `SELECT destination, count(*) AS n FROM alerts WHERE destination IS NOT NULL AND ${CLAIMABLE} GROUP BY destination`,
      ),
      due: db.prepare<[string, number, number, number], RawAlert>(
        `SELECT * FROM alerts WHERE destination = ? AND ${CLAIMABLE} ORDER BY created_at, id`,
      ),
      claim: db.prepare<[string, number, string, number, number, number, number], RawAlert>(
        `UPDATE alerts SET status = 'sending', lease_owner = ?, lease_until = ?
         WHERE id IN (SELECT id FROM alerts WHERE destination = ? AND ${CLAIMABLE} ORDER BY created_at, id LIMIT ?)
         RETURNING *`,
      ),
      claimOne: db.prepare<[string, number, string, number, number, number], RawAlert>(
        `UPDATE alerts SET status = 'sending', lease_owner = ?, lease_until = ? WHERE id = ? AND ${CLAIMABLE} RETURNING *`,
      ),
      heldBy: db.prepare<[string, string, number], number>(
        "SELECT count(*) FROM alerts WHERE id = ? AND status = 'sending' AND lease_owner = ? AND lease_until > ?",
      ).pluck(),
      renew: db.prepare<[number, string], string>(
        "UPDATE alerts SET lease_until = ? WHERE lease_owner = ? AND status = 'sending' RETURNING id",
      ).pluck(),
      markSent: db.prepare<[number, number, string]>(
        `UPDATE alerts SET status = 'sent', sent_at = ?, attempts = attempts + ?, next_attempt_at = NULL, last_error = NULL,
         lease_owner = NULL, lease_until = NULL WHERE id = ?`,
      ),
      // Only while this run holds it (a run that lost its lease leaves the alert to the one that took it over).
      markRetry: db.prepare<[number, number, string, string, string]>(
        `UPDATE alerts SET status = 'pending', next_attempt_at = ?, attempts = attempts + ?, last_error = ?, lease_owner = NULL,
         lease_until = NULL WHERE id = ? AND (lease_owner IS NULL OR lease_owner = ?)`,
      ),
      markFailed: db.prepare<[number, string, string, string]>(
        `UPDATE alerts SET status = 'failed', next_attempt_at = NULL, attempts = attempts + ?, last_error = ?, lease_owner = NULL,
         lease_until = NULL WHERE id = ? AND (lease_owner IS NULL OR lease_owner = ?)`,
      ),
      retryFailed: db.prepare<[number]>("UPDATE alerts SET status = 'pending', next_attempt_at = ? WHERE status = 'failed'"),
      startRun: db.prepare<[number, number]>('INSERT INTO runs (started_at, at) VALUES (?, ?)'),
      finishRun: db.prepare<unknown[]>(
        `UPDATE runs SET finished_at = ?, tickets_evaluated = ?, events = ?, alerts_sent = ?, alerts_failed = ?, status = ?, error = ?
         WHERE id = ?`,
      ),
      listRuns: db.prepare<[number], RawRun>('SELECT * FROM runs ORDER BY id DESC LIMIT ?'),
      lastRun: db.prepare<[], RawRun>('SELECT * FROM runs ORDER BY id DESC LIMIT 1'),
      pendingCount: db.prepare<[], number>("SELECT count(*) FROM alerts WHERE status IN ('pending', 'sending')").pluck(),
    };
  }

  /** One immediate (write) transaction. */
  tx<T>(fn: () => T): T {
    return this.store.db.transaction(fn).immediate();
  }

  /** The ticket's stored next_change_at (undefined: no such ticket). */
  nextChangeAt(id: string): Instant | null | undefined {
    return this.s.nextChangeAt.get(id);
  }

  /** Transition keys (`type|rule`) recorded for the ticket's cycle. */
  firedKeys(ticketId: string, cycle: number): Set<string> {
    return new Set(this.s.fired.all(ticketId, cycle).map((r) => `${r.type}|${r.rule}`));
  }

  /** Insert once: the new row's seq, or null when (ticket, cycle, type, rule) was already recorded. */
  insertSlaEvent(e: SlaEventInsert & { ticketId: string }): number | null {
    const row = this.s.insertEvent.get(
      e.ticketId, e.cycle, e.type, e.rule, e.dueAt, e.recordedAt, e.announced ? 1 : 0,
      e.data === undefined || e.data === null ? null : JSON.stringify(e.data), e.runId,
    );
    return row ? row.seq : null;
  }

  manualEscalations(ticketId: string, cycle: number): number {
    return this.s.manualCount.get(ticketId, cycle) ?? 0;
  }

  insertAlert(a: AlertInsert & { ticketId: string; slaEventSeq: number | null }): boolean {
    const r = this.s.insertAlert.run(a.id, a.slaEventSeq, a.ticketId, a.destination, a.type, a.status, a.nextAttemptAt, a.payload, a.createdAt, a.runId);
    return r.changes > 0;
  }

  /**
   * The open-customer index, which customersWithOpenAtLeast, nthOpenCreated and
   * unfiredOpenTickets use, made if missing (migration 005: it exists only where a
   * customerOpenAtLeast rule needs it). Once per database.
   */
  ensureOpenCustomerIndex(): void {
    this.store.db.exec(OPEN_CUSTOMER_INDEX_SQL);
  }

  /** Customers with at least `n` open tickets (a covering scan of the open-customer index). */
  customersWithOpenAtLeast(n: number): Array<{ customer: string; n: number }> {
    return this.s.customersAtLeast.all(n);
  }

  /** created_at of the customer's nth (1-based) oldest open ticket. */
  nthOpenCreated(customer: string, n: number): Instant | null {
    return this.s.nthOpenCreated.get(customer, n - 1) ?? null;
  }

  /** The customer's open tickets on which escalation rule `rule` has not fired this cycle. */
  unfiredOpenTickets(customer: string, rule: string): string[] {
    return this.s.unfiredOfCustomer.all(customer, rule);
  }

  /** Destinations with claimable alerts (see Lease), and how many each has. */
  dueByDestination(now: Instant, lease: Lease): Array<{ destination: string; n: number }> {
    const wall = lease.wall();
    return this.s.dueByDestination.all(now, wall, leaseHorizon(wall, lease));
  }

  /** A destination's claimable alerts, oldest first (not claimed). */
  due(destination: string, now: Instant, lease: Lease): OutboxRow[] {
    const wall = lease.wall();
    return this.s.due.all(destination, now, wall, leaseHorizon(wall, lease)).map(toAlert);
  }

  /**
   * Claims a destination's oldest claimable alerts, at most `limit`, for `lease.owner` until
   * lease.wall + lease.ms: they become 'sending'. Concurrent runs never claim the same one.
   */
  claim(destination: string, now: Instant, lease: Lease, limit: number): OutboxRow[] {
    return this.tx(() => {
      const wall = lease.wall();
      return this.s.claim.all(lease.owner, wall + lease.ms, destination, now, wall, leaseHorizon(wall, lease), limit)
        .map(toAlert)
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    });
  }

  claimOne(id: string, now: Instant, lease: Lease): OutboxRow | null {
    return this.tx(() => {
      const wall = lease.wall();
      const r = this.s.claimOne.get(lease.owner, wall + lease.ms, id, now, wall, leaseHorizon(wall, lease));
      return r ? toAlert(r) : null;
    });
  }

  /** Whether `owner` holds every one of these alerts at `wall` (real clock). */
  holds(ids: readonly string[], owner: string, wall: Instant): boolean {
    return ids.every((id) => this.s.heldBy.get(id, owner, wall) === 1);
  }

  /** Extends `lease.owner`'s leases by a lease from now: the ids it still holds. */
  renew(lease: Lease): string[] {
    return this.tx(() => this.s.renew.all(lease.wall() + lease.ms, lease.owner));
  }

  markSent(ids: readonly string[], at: Instant, attempts: number, opened: readonly IncidentOpened[] = []): void {
    this.tx(() => {
      for (const id of ids) this.s.markSent.run(at, attempts, id);
      if (opened.length === 0) return;
      const open = this.store.db.prepare(
        `INSERT INTO open_incidents (destination, incident_key, ticket_id, metric, cycle, opened_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (destination, incident_key) DO NOTHING`,
      );
      for (const o of opened) open.run(o.destination, o.key, o.ticketId, o.metric, o.cycle, at);
    });
  }

  /** See OutboxStore.closeIncidents. */
  closeIncidents(decide: (i: OpenIncident) => AlertInsert | null): number {
    const db = this.store.db;
    return this.tx(() => {
      const rows = db.prepare<[], {
        destination: string; incident_key: string; ticket_id: string; metric: string | null; cycle: number; opened_at: number;
        status: string | null; sla_cycle: number | null; fr_stopped_at: number | null; res_stopped_at: number | null;
      }>(
        `SELECT o.destination, o.incident_key, o.ticket_id, o.metric, o.cycle, o.opened_at, t.status, t.sla_cycle,
                ${METRICS.map((m) => `t.${metricColumn(m, 'stopped_at')}`).join(', ')}
         FROM open_incidents o LEFT JOIN tickets t ON t.id = o.ticket_id ORDER BY o.opened_at, o.destination, o.incident_key`,
      ).all();
      const forget = db.prepare('DELETE FROM open_incidents WHERE destination = ? AND incident_key = ?');
      let n = 0;
      for (const r of rows) {
        const metric = r.metric as Metric | null;
        const stopped = metric === null ? null : (r as unknown as Record<string, number | null>)[metricColumn(metric, 'stopped_at')] ?? null;
        const alert = decide({
          destination: r.destination, key: r.incident_key, ticketId: r.ticket_id, metric, cycle: r.cycle, openedAt: r.opened_at,
          ticketStatus: r.status, ticketCycle: r.sla_cycle, stoppedAt: stopped,
        });
        if (alert === null) continue;
        this.insertAlert({ ...alert, ticketId: r.ticket_id, slaEventSeq: null });
        forget.run(r.destination, r.incident_key);
        n++;
      }
      return n;
    });
  }

  /** Back to pending until `nextAttemptAt` (each its own, or one for all), unless another run holds it now. */
  markRetry(ids: readonly string[], nextAttemptAt: Instant | readonly Instant[], attempts: number, error: string, owner: string): void {
    this.tx(() => {
      ids.forEach((id, i) => this.s.markRetry.run(typeof nextAttemptAt === 'number' ? nextAttemptAt : nextAttemptAt[i], attempts, error, id, owner));
    });
  }

  markFailed(ids: readonly string[], attempts: number, error: string, owner: string): void {
    this.tx(() => { for (const id of ids) this.s.markFailed.run(attempts, error, id, owner); });
  }

  /** Re-queue every failed alert; returns how many. */
  retryFailed(now: Instant): number {
    return this.tx(() => this.s.retryFailed.run(now).changes);
  }

  pendingCount(): number {
    return this.s.pendingCount.get() ?? 0;
  }

  disabledDestinations(): DisabledDestination[] {
    return this.store.db.prepare<[], { name: string; target: string; disabled_at: number; reason: string }>(
      'SELECT name, target, disabled_at, reason FROM disabled_destinations ORDER BY disabled_at, name',
    ).all().map((r) => ({ name: r.name, target: r.target, disabledAt: r.disabled_at, reason: r.reason }));
  }

  disableDestination(d: DisabledDestination): void {
    this.tx(() => {
      this.store.db.prepare('INSERT OR REPLACE INTO disabled_destinations (name, target, disabled_at, reason) VALUES (?, ?, ?, ?)')
        .run(d.name, d.target, d.disabledAt, d.reason);
    });
  }

  /** Forgets a destination's disabling: whether it was disabled. */
  enableDestination(name: string): boolean {
    return this.store.db.prepare('DELETE FROM disabled_destinations WHERE name = ?').run(name).changes > 0;
  }

  /** The outbox, newest first; `until`: only alerts created at or before it. */
  listAlerts(f: { statuses?: readonly OutboxStatus[]; limit?: number; until?: Instant } = {}): OutboxRow[] {
    const conds: string[] = [];
    const params: unknown[] = [];
    if (f.statuses?.length) { conds.push(`status IN (${f.statuses.map(() => '?').join(', ')})`); params.push(...f.statuses); }
    if (f.until !== undefined) { conds.push('created_at <= ?'); params.push(f.until); }
    const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
    const rows = this.store.db
      .prepare(`SELECT * FROM alerts ${where} ORDER BY created_at DESC, id LIMIT ?`)
      .all(...params, f.limit ?? -1) as RawAlert[];
    return rows.map(toAlert);
  }

  countAlerts(statuses?: readonly OutboxStatus[]): number {
    const where = statuses?.length ? `WHERE status IN (${statuses.map(() => '?').join(', ')})` : '';
    return (this.store.db.prepare(`SELECT count(*) FROM alerts ${where}`).pluck().get(...(statuses ?? [])) as number) ?? 0;
  }

  startRun(startedAt: Instant, at: Instant): number {
    return this.tx(() => Number(this.s.startRun.run(startedAt, at).lastInsertRowid));
  }

  finishRun(id: number, finishedAt: Instant, stats: RunStats, status: 'ok' | 'failed', error: string | null): void {
    this.tx(() => {
      this.s.finishRun.run(finishedAt, stats.ticketsEvaluated, stats.events, stats.alertsSent, stats.alertsFailed, status, error, id);
    });
  }

  listRuns(limit: number): RunRow[] {
    return this.s.listRuns.all(limit).map(toRun);
  }

  /** What `sla metrics` counts, in one read transaction (the counts agree with each other). */
  metricsCounts(): MetricsCounts {
    const db = this.store.db;
    return db.transaction(() => {
      const open = db.prepare<[], { sla_status: string | null; priority: string | null; n: number }>(
        `SELECT sla_status, priority, count(*) AS n FROM tickets WHERE ${OPEN} GROUP BY sla_status, priority ORDER BY sla_status, priority`,
      ).all().map((r) => ({ slaStatus: r.sla_status, priority: r.priority, n: r.n }));
      const events = db.prepare<[], { type: string; policy: string | null; priority: string | null; n: number }>(
        `SELECT e.type, t.policy, t.priority, count(*) AS n FROM sla_events e JOIN tickets t ON t.id = e.ticket_id
         GROUP BY e.type, t.policy, t.priority ORDER BY e.type, t.policy, t.priority`,
      ).all();
      const outbox = db.prepare<[], { status: string; n: number }>('SELECT status, count(*) AS n FROM alerts GROUP BY status ORDER BY status').all();
      const last = this.s.lastRun.get();
      const ok = db.prepare<[], RawRun>("SELECT * FROM runs WHERE status = 'ok' ORDER BY id DESC LIMIT 1").get();
      return { open, events, outbox, lastRun: last ? toRun(last) : null, lastSuccess: ok ? toRun(ok) : null };
    }).deferred();
  }

  lastRun(): RunRow | null {
    const r = this.s.lastRun.get();
    return r ? toRun(r) : null;
  }

  /** Open tickets whose stored slaStatus is one of `states` (kept current by check). */
  countOpenInStates(states: readonly string[]): number {
    return this.store.db
      .prepare(countOpenInStatesSql(states.length))
      .pluck()
      .get(...states) as number;
  }
}

/**
 * countOpenInStates' query for `n` states: answered from the list's covering index over open
 * tickets (migration 007), which holds sla_status.
 */
export function countOpenInStatesSql(n: number): string {
  return `SELECT count(*) FROM tickets WHERE ${OPEN} AND sla_status IN (${Array.from({ length: n }, () => '?').join(', ')})`;
}
