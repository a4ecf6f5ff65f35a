// The PostgreSQL engine's side of `check`, `watch`, `alerts`, `runs` and `escalate` (team mode,
// issue 17): the SLA events (exactly once by UNIQUE(ticket_id, cycle, type, rule)), the alert
// outbox and the record of runs — the same operations, answers and order as the SQLite engine's
// (src/store/sqlite/outbox.ts and engine.ts). Several machines share the database: a check locks
// the tickets it decides about, and delivering runs claim alerts with FOR UPDATE SKIP LOCKED,
// so that two runs never claim the same one. No network I/O runs while a transaction is open.
//
// Text is ordered with COLLATE "C" (byte order, as SQLite compares text) and NULLs first (as
// SQLite sorts them), whatever the database's collation; where SQLite's answer comes in the
// order of an index (a GROUP BY, the open-customer index), this one is ordered the same way.

import { METRICS, type Metric } from '../../domain/metrics.js';
import type { Instant } from '../../domain/types.js';
import type {
  AlertInsert, AuditEntry, CheckChange, CheckedTicket, DisabledDestination, IncidentOpened, Lease, MetricsCounts, OpenIncident, OutboxRow,
  OutboxStatus, RunRow, RunStats, SlaEventInsert,
} from '../contract.js';
import { leaseHorizon } from '../contract.js';
import { OPEN_SQL as OPEN } from '../list-sql.js';
import { metricColumn } from '../metric-columns.js';
import { toAlert, toRun, type RawAlert, type RawRun } from '../outbox-rows.js';
import { historyToEvents, rowToTicket, type TicketRecordRow } from '../ticket-row.js';
import type { Sql } from './open.js';
import { begin, run, type Params } from './sql.js';
import { writeAudit, writeTickets, type TicketWrite } from './ticket-write.js';


/** An alert a run may claim (see Lease): pending and due by the run's @now, or 'sending' under a lease that ran out by @wall or ends after @far. */
const CLAIMABLE = `(status = 'pending' AND next_attempt_at <= @now
  OR status = 'sending' AND (lease_until IS NULL OR lease_until <= @wall OR lease_until > @horizon))`;

/** The claimable condition's parameters, the real clock read now (inside the caller's transaction, for a claim). */
function claimable(now: Instant, lease: Lease): Params {
  const wall = lease.wall();
  return { now, wall, far: wall + lease.ms, horizon: leaseHorizon(wall, lease) };
}

/** `@<prefix>0, @<prefix>1, …` for a list, and their parameters (SQLite's `IN (?, ?, …)`). */
function inList(prefix: string, values: readonly string[]): { text: string; params: Params } {
  const params: Params = {};
  values.forEach((v, i) => { params[`${prefix}${i}`] = v; });
  return { text: values.map((_, i) => `@${prefix}${i}`).join(', '), params };
}

/** Thrown inside a dry run's transaction to roll it back. */
class DryRunRollback extends Error {}

const NOTHING_FIRED: ReadonlySet<string> = new Set();

/**
 * A ticket's SLA events (all cycles, read up front in recordCheck's transaction): CheckedTicket's
 * `fired` and `manualEscalations` are synchronous, answered from here.
 */
class FiredEvents {
  private readonly keys = new Map<number, Set<string>>();
  private readonly manual = new Map<number, number>();

  constructor(rows: ReadonlyArray<{ cycle: number; type: string; rule: string }>) {
    for (const r of rows) {
      let set = this.keys.get(r.cycle);
      if (set === undefined) this.keys.set(r.cycle, (set = new Set()));
      set.add(`${r.type}|${r.rule}`);
      if (r.type === 'escalated' && r.rule.startsWith('manual:')) this.manual.set(r.cycle, (this.manual.get(r.cycle) ?? 0) + 1);
    }
  }

  fired(cycle: number): ReadonlySet<string> {
    return this.keys.get(cycle) ?? NOTHING_FIRED;
  }

  manualEscalations(cycle: number): number {
    return this.manual.get(cycle) ?? 0;
  }
}

export class PgOutbox {
  constructor(private readonly sql: Sql) {}

  // ---- check ----

  /**
   * See CheckStore.recordCheck: one transaction. The batch's rows are read and locked in one
   * statement, in id order (two machines checking overlapping batches then wait for each other
   * instead of deadlocking), their SLA events in another; each ticket is decided in memory, and
   * what the decisions write is sent without waiting for each statement (the server runs them
   * in order): a round trip per batch, not per write. An event and its alerts are one
   * statement, so that the alerts are queued only with the event that this run recorded.
   */
  async recordCheck<R>(
    ids: readonly string[], decide: (cur: CheckedTicket) => CheckChange<R> | null,
    opts: { dryRun?: boolean; countOpenIn?: readonly string[] } = {},
  ): Promise<{ results: R[]; openInStates: number | null }> {
    let results: R[] = [];
    let openInStates: number | null = null;
    const body = async (tx: Sql): Promise<void> => {
      results = [];
      const list = [...ids];
      const rows = new Map<string, TicketRecordRow>();
      const events = new Map<string, Array<{ cycle: number; type: string; rule: string }>>();
      if (list.length > 0) {
        for (const r of await tx<TicketRecordRow[]>`SELECT * FROM tickets WHERE id = ANY(${list}::text[]) ORDER BY id COLLATE "C" FOR UPDATE`) rows.set(r.id, r);
        for (const e of await tx<Array<{ ticket_id: string; cycle: number; type: string; rule: string }>>`
          SELECT ticket_id, cycle, type, rule FROM sla_events WHERE ticket_id = ANY(${list}::text[])`) {
          let of = events.get(e.ticket_id);
          if (!of) events.set(e.ticket_id, (of = []));
          of.push(e);
        }
      }
      const writes: Array<Promise<unknown>> = [];
      const fired: EventWrite[] = [];
      const tickets: TicketWrite[] = [];
      for (const id of list) {
        const row = rows.get(id);
        if (!row) continue;
        const before = new FiredEvents(events.get(id) ?? []);
        const change = decide({
          ticket: rowToTicket(row), events: historyToEvents(row.history),
          nextChangeAt: (row as unknown as { next_change_at: number | null }).next_change_at ?? null,
          fired: (cycle) => before.fired(cycle), manualEscalations: (cycle) => before.manualEscalations(cycle),
        });
        if (!change) continue;
        for (const { event, alerts } of change.events) fired.push({ ticketId: id, event, alerts });
        for (const a of change.audit) writes.push(writeAudit(tx, a));
        if (change.write) tickets.push(change.write);
        results.push(change.result);
      }
      // the batch's events (with their alerts) in one statement, its tickets in one upsert
      writes.push(insertSlaEvents(tx, fired), writeTickets(tx, tickets));
      const settled = await Promise.allSettled(writes);
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      if (opts.countOpenIn) openInStates = await countOpenIn(tx, opts.countOpenIn);
    };
    if (!opts.dryRun) {
      await begin(this.sql, (tx) => body(tx as unknown as Sql));
    } else {
      try {
        await begin(this.sql, async (tx) => {
          await body(tx as unknown as Sql);
          throw new DryRunRollback();
        });
      } catch (err) {
        if (!(err instanceof DryRunRollback)) throw err;
      }
    }
    return { results, openInStates };
  }

  /** Customers with at least `n` open tickets (the open-customer index is in the schema here: migration 001). */
  async customersWithOpenAtLeast(n: number): Promise<Array<{ customer: string; n: number }>> {
    return run<{ customer: string; n: number }>(this.sql,
      `SELECT customer, count(*) AS n FROM tickets
       WHERE ${OPEN} AND customer IS NOT NULL GROUP BY customer HAVING count(*) >= @n
       ORDER BY customer COLLATE "C"`, { n });
  }

  /** created_at of the customer's nth (1-based) oldest open ticket. */
  async nthOpenCreated(customer: string, n: number): Promise<Instant | null> {
    const [r] = await run<{ created_at: number }>(this.sql,
      `SELECT created_at FROM tickets
       WHERE customer = @customer AND ${OPEN} AND customer IS NOT NULL ORDER BY created_at LIMIT 1 OFFSET @skip`,
      { customer, skip: Math.max(0, n - 1) });
    return r ? r.created_at : null;
  }

  /** The customer's open tickets on which escalation rule `rule` has not fired this cycle, oldest first. */
  async unfiredOpenTickets(customer: string, rule: string): Promise<string[]> {
    const rows = await run<{ id: string }>(this.sql,
      `SELECT t.id FROM tickets t
       WHERE t.customer = @customer AND t.${OPEN} AND t.customer IS NOT NULL AND NOT EXISTS (
         SELECT 1 FROM sla_events e WHERE e.ticket_id = t.id AND e.cycle = t.sla_cycle AND e.type = 'escalated' AND e.rule = @rule)
       ORDER BY t.created_at, t.id COLLATE "C"`, { customer, rule });
    return rows.map((r) => r.id);
  }

  /** Open tickets whose stored slaStatus is one of `states` (kept current by check). */
  async countOpenInStates(states: readonly string[]): Promise<number> {
    return countOpenIn(this.sql, states);
  }

  async startRun(startedAt: Instant, at: Instant): Promise<number> {
    const [r] = await this.sql<Array<{ id: number }>>`INSERT INTO runs (started_at, at) VALUES (${startedAt}, ${at}) RETURNING id`;
    return r.id;
  }

  async finishRun(id: number, finishedAt: Instant, stats: RunStats, status: 'ok' | 'failed', error: string | null): Promise<void> {
    await this.sql`
      UPDATE runs SET finished_at = ${finishedAt}, tickets_evaluated = ${stats.ticketsEvaluated}, events = ${stats.events},
        alerts_sent = ${stats.alertsSent}, alerts_failed = ${stats.alertsFailed}, status = ${status}, error = ${error}
      WHERE id = ${id}`;
  }

  /** The latest runs, newest first (a negative limit: all, as SQLite's LIMIT -1). */
  async listRuns(limit: number): Promise<RunRow[]> {
    return (await this.sql<RawRun[]>`SELECT * FROM runs ORDER BY id DESC LIMIT ${limit < 0 ? null : limit}`).map(toRun);
  }

  async lastRun(): Promise<RunRow | null> {
    const [r] = await this.sql<RawRun[]>`SELECT * FROM runs ORDER BY id DESC LIMIT 1`;
    return r ? toRun(r) : null;
  }

  // ---- outbox ----

  /** Destinations with claimable alerts (see Lease), and how many each has. */
  async dueByDestination(now: Instant, lease: Lease): Promise<Array<{ destination: string; n: number }>> {
    return run<{ destination: string; n: number }>(this.sql,
      `SELECT destination, count(*) AS n FROM alerts WHERE destination IS NOT NULL AND ${CLAIMABLE}
       GROUP BY destination ORDER BY destination COLLATE "C"`, claimable(now, lease));
  }

  /** A destination's claimable alerts, oldest first (not claimed). */
  async due(destination: string, now: Instant, lease: Lease): Promise<OutboxRow[]> {
    const rows = await run<RawAlert>(this.sql,
      `SELECT * FROM alerts WHERE destination = @destination AND ${CLAIMABLE} ORDER BY created_at, id COLLATE "C"`,
      { destination, ...claimable(now, lease) });
    return rows.map(toAlert);
  }

  /**
   * Claims a destination's oldest claimable alerts, at most `limit`, for `lease.owner` until
   * lease.wall + lease.ms: they become 'sending'. The rows another run is claiming meanwhile
   * are skipped (SKIP LOCKED), and one it claimed and committed is no longer claimable when
   * this one locks it: concurrent runs never claim the same alert.
   */
  async claim(destination: string, now: Instant, lease: Lease, limit: number): Promise<OutboxRow[]> {
    // One statement (its own transaction): the rows it picks are locked as it picks them, one
    // another run holds this moment skipped, never waited for — so the lease's clock, read
    // just before, is not stale.
    const rows = await run<RawAlert>(this.sql,
      `UPDATE alerts SET status = 'sending', lease_owner = @owner, lease_until = @far
       WHERE id IN (SELECT id FROM alerts WHERE destination = @destination AND ${CLAIMABLE}
                    ORDER BY created_at, id COLLATE "C" LIMIT @limit FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      { ...claimable(now, lease), owner: lease.owner, destination, limit: Math.max(0, limit) });
    return rows.map(toAlert).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Claims one alert if it is claimable (and no other run is claiming it this moment). */
  async claimOne(id: string, now: Instant, lease: Lease): Promise<OutboxRow | null> {
    const [r] = await run<RawAlert>(this.sql,
      `UPDATE alerts SET status = 'sending', lease_owner = @owner, lease_until = @far
       WHERE id IN (SELECT id FROM alerts WHERE id = @id AND ${CLAIMABLE} FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      { ...claimable(now, lease), owner: lease.owner, id });
    return r ? toAlert(r) : null;
  }

  /** Whether `owner` holds every one of these alerts at `wall` (real clock). */
  async holds(ids: readonly string[], owner: string, wall: Instant): Promise<boolean> {
    const distinct = [...new Set(ids)];
    if (distinct.length === 0) return true;
    const [r] = await this.sql<Array<{ n: number }>>`
      SELECT count(*) AS n FROM alerts
      WHERE id = ANY(${distinct}::text[]) AND status = 'sending' AND lease_owner = ${owner} AND lease_until > ${wall}`;
    return r.n === distinct.length;
  }

  /** Extends `lease.owner`'s leases by a lease from now: the ids it still holds. */
  async renew(lease: Lease): Promise<string[]> {
    const rows = await this.sql<Array<{ id: string }>>`
      UPDATE alerts SET lease_until = ${lease.wall() + lease.ms} WHERE lease_owner = ${lease.owner} AND status = 'sending' RETURNING id`;
    return rows.map((r) => r.id);
  }

  /** Marks the alerts sent, and records what they opened at their destination: one statement, so one transaction. */
  async markSent(ids: readonly string[], at: Instant, attempts: number, opened: readonly IncidentOpened[] = []): Promise<void> {
    if (ids.length === 0 && opened.length === 0) return;
    await this.sql`
      WITH sent AS (
        UPDATE alerts SET status = 'sent', sent_at = ${at}, attempts = attempts + ${attempts}, next_attempt_at = NULL, last_error = NULL,
          lease_owner = NULL, lease_until = NULL
        WHERE id = ANY(${[...ids]}::text[]) RETURNING 1)
      INSERT INTO open_incidents (destination, incident_key, ticket_id, metric, cycle, opened_at)
      SELECT o.destination, o.incident_key, o.ticket_id, o.metric, o.cycle, ${at}
      FROM unnest(${opened.map((o) => o.destination)}::text[], ${opened.map((o) => o.key)}::text[], ${opened.map((o) => o.ticketId)}::text[],
        ${opened.map((o) => o.metric)}::text[], ${opened.map((o) => o.cycle)}::int[]) AS o(destination, incident_key, ticket_id, metric, cycle)
      ON CONFLICT (destination, incident_key) DO NOTHING`;
  }

  /**
   * See OutboxStore.closeIncidents. Each incident's row is locked as it is read, and one that
   * another machine is closing this moment is skipped: each is closed once.
   */
  async closeIncidents(decide: (i: OpenIncident) => AlertInsert | null): Promise<number> {
    return begin(this.sql, async (t) => {
      const tx = t as unknown as Sql;
      const rows = await tx.unsafe(
        `SELECT o.destination, o.incident_key, o.ticket_id, o.metric, o.cycle, o.opened_at, t.status, t.sla_cycle,
                ${METRICS.map((m) => `t.${metricColumn(m, 'stopped_at')}`).join(', ')}
         FROM open_incidents o LEFT JOIN tickets t ON t.id = o.ticket_id
         ORDER BY o.opened_at, o.destination COLLATE "C", o.incident_key COLLATE "C"
         FOR UPDATE OF o SKIP LOCKED`,
      ) as unknown as Array<{
        destination: string; incident_key: string; ticket_id: string; metric: string | null; cycle: number; opened_at: number;
        status: string | null; sla_cycle: number | null;
      } & Record<string, unknown>>;
      let n = 0;
      for (const r of rows) {
        const metric = r.metric as Metric | null;
        const stopped = metric === null ? null : (r[metricColumn(metric, 'stopped_at')] as number | null) ?? null;
        const alert = decide({
          destination: r.destination, key: r.incident_key, ticketId: r.ticket_id, metric, cycle: r.cycle, openedAt: r.opened_at,
          ticketStatus: r.status, ticketCycle: r.sla_cycle, stoppedAt: stopped,
        });
        if (alert === null) continue;
        await insertAlert(tx, { ...alert, ticketId: r.ticket_id, slaEventSeq: null });
        await tx`DELETE FROM open_incidents WHERE destination = ${r.destination} AND incident_key = ${r.incident_key}`;
        n++;
      }
      return n;
    });
  }

  /** Back to pending until `nextAttemptAt` (each its own, or one for all), unless another run holds it now. */
  async markRetry(ids: readonly string[], nextAttemptAt: Instant | readonly Instant[], attempts: number, error: string, owner: string): Promise<void> {
    if (ids.length === 0) return;
    const at = ids.map((_, i) => (typeof nextAttemptAt === 'number' ? nextAttemptAt : nextAttemptAt[i]));
    // Only while this run holds it (a run that lost its lease leaves the alert to the one that took it over).
    await this.sql`
      UPDATE alerts AS a SET status = 'pending', next_attempt_at = v.at, attempts = a.attempts + ${attempts}, last_error = ${error},
        lease_owner = NULL, lease_until = NULL
      FROM unnest(${[...ids]}::text[], ${at}::bigint[]) AS v(id, at)
      WHERE a.id = v.id AND (a.lease_owner IS NULL OR a.lease_owner = ${owner})`;
  }

  async markFailed(ids: readonly string[], attempts: number, error: string, owner: string): Promise<void> {
    if (ids.length === 0) return;
    await this.sql`
      UPDATE alerts SET status = 'failed', next_attempt_at = NULL, attempts = attempts + ${attempts}, last_error = ${error},
        lease_owner = NULL, lease_until = NULL
      WHERE id = ANY(${[...ids]}::text[]) AND (lease_owner IS NULL OR lease_owner = ${owner})`;
  }

  /** Re-queues every failed alert, audited as `audit(n)` when there were any, in one transaction: how many. */
  async retryFailed(now: Instant, audit: (n: number) => AuditEntry): Promise<number> {
    return begin(this.sql, async (t) => {
      const tx = t as unknown as Sql;
      const n = (await tx`UPDATE alerts SET status = 'pending', next_attempt_at = ${now} WHERE status = 'failed'`).count;
      if (n > 0) await writeAudit(tx, audit(n));
      return n;
    });
  }

  async pendingCount(): Promise<number> {
    const [r] = await this.sql<Array<{ n: number }>>`SELECT count(*) AS n FROM alerts WHERE status IN ('pending', 'sending')`;
    return r.n;
  }

  /** The outbox, newest first; `until`: only alerts created at or before it. */
  async listAlerts(f: { statuses?: readonly OutboxStatus[]; limit?: number; until?: Instant } = {}): Promise<OutboxRow[]> {
    const conds: string[] = [];
    let params: Params = {};
    if (f.statuses?.length) {
      const s = inList('s', f.statuses);
      conds.push(`status IN (${s.text})`);
      params = { ...params, ...s.params };
    }
    if (f.until !== undefined) { conds.push('created_at <= @until'); params.until = f.until; }
    // SQLite's LIMIT -1 (no limit) for a negative one; PostgreSQL refuses a negative LIMIT
    const limit = f.limit === undefined || f.limit < 0 ? '' : 'LIMIT @limit';
    if (limit) params.limit = f.limit;
    const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
    const rows = await run<RawAlert>(this.sql, `SELECT * FROM alerts ${where} ORDER BY created_at DESC, id COLLATE "C" ${limit}`, params);
    return rows.map(toAlert);
  }

  async countAlerts(statuses?: readonly OutboxStatus[]): Promise<number> {
    const s = inList('s', statuses ?? []);
    const where = statuses?.length ? `WHERE status IN (${s.text})` : '';
    const [r] = await run<{ n: number }>(this.sql, `SELECT count(*) AS n FROM alerts ${where}`, s.params);
    return r.n;
  }

  /** What `sla metrics` counts, in one read-only snapshot (the counts agree with each other). */
  async metricsCounts(): Promise<MetricsCounts> {
    return begin(this.sql, 'ISOLATION LEVEL REPEATABLE READ READ ONLY', async (t) => {
      const tx = t as unknown as Sql;
      const open = (await run<{ sla_status: string | null; priority: string | null; n: number }>(tx,
        `SELECT sla_status, priority, count(*) AS n FROM tickets WHERE ${OPEN} GROUP BY sla_status, priority
         ORDER BY sla_status COLLATE "C" NULLS FIRST, priority COLLATE "C" NULLS FIRST`))
        .map((r) => ({ slaStatus: r.sla_status, priority: r.priority, n: r.n }));
      const events = [...await tx<Array<{ type: string; policy: string | null; priority: string | null; n: number }>>`
        SELECT e.type, t.policy, t.priority, count(*) AS n FROM sla_events e JOIN tickets t ON t.id = e.ticket_id
        GROUP BY e.type, t.policy, t.priority
        ORDER BY e.type COLLATE "C", t.policy COLLATE "C" NULLS FIRST, t.priority COLLATE "C" NULLS FIRST`];
      const outbox = [...await tx<Array<{ status: string; n: number }>>`
        SELECT status, count(*) AS n FROM alerts GROUP BY status ORDER BY status COLLATE "C"`];
      const [last] = await tx<RawRun[]>`SELECT * FROM runs ORDER BY id DESC LIMIT 1`;
      const [ok] = await tx<RawRun[]>`SELECT * FROM runs WHERE status = 'ok' ORDER BY id DESC LIMIT 1`;
      return { open, events, outbox, lastRun: last ? toRun(last) : null, lastSuccess: ok ? toRun(ok) : null };
    });
  }

  /** Destinations whose receiver answered 410 Gone, oldest first. */
  async disabledDestinations(): Promise<DisabledDestination[]> {
    const rows = await this.sql<Array<{ name: string; target: string; disabled_at: number; reason: string }>>`
      SELECT name, target, disabled_at, reason FROM disabled_destinations ORDER BY disabled_at, name COLLATE "C"`;
    return rows.map((r) => ({ name: r.name, target: r.target, disabledAt: r.disabled_at, reason: r.reason }));
  }

  /** Records (or replaces) a destination's disabling. */
  async disableDestination(d: DisabledDestination): Promise<void> {
    await this.sql`
      INSERT INTO disabled_destinations (name, target, disabled_at, reason) VALUES (${d.name}, ${d.target}, ${d.disabledAt}, ${d.reason})
      ON CONFLICT (name) DO UPDATE SET target = excluded.target, disabled_at = excluded.disabled_at, reason = excluded.reason`;
  }

  /** Forgets a destination's disabling, audited as `audit` when it was disabled, in one transaction: whether it was. */
  async enableDestination(name: string, audit: AuditEntry | null): Promise<boolean> {
    return begin(this.sql, async (t) => {
      const tx = t as unknown as Sql;
      const was = (await tx`DELETE FROM disabled_destinations WHERE name = ${name}`).count > 0;
      if (was && audit) await writeAudit(tx, audit);
      return was;
    });
  }
}

/** Insert once: the new row's seq, or null when (ticket, cycle, type, rule) was already recorded (by this run or another). */
/**
 * Records an SLA event once (the unique key: another run may have recorded it) and, only when
 * this statement recorded it, queues its alerts — one statement.
 */
/** An SLA event to record for a ticket, and the alerts queued if (and only if) it is recorded now. */
interface EventWrite { ticketId: string; event: SlaEventInsert; alerts: readonly AlertInsert[] }

/**
 * Tickets' SLA events and their alerts in one statement (one text, prepared once per
 * connection): the events inserted in the given order (their seq in that order), each one
 * already there skipped with its alerts.
 */
async function insertSlaEvents(tx: Sql, writes: readonly EventWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const num = (n: number | null): string | null => (n === null ? null : String(n));
  const ev = writes.map((w) => w.event);
  const alerts = writes.flatMap((w, k) => w.alerts.map((a) => ({ k: k + 1, a })));
  const values = [
    writes.map((w) => w.ticketId), ev.map((e) => e.cycle), ev.map((e) => e.type), ev.map((e) => e.rule), ev.map((e) => num(e.dueAt)),
    ev.map((e) => num(e.recordedAt)), ev.map((e) => (e.announced ? 1 : 0)),
    ev.map((e) => (e.data === undefined || e.data === null ? null : JSON.stringify(e.data))), ev.map((e) => num(e.runId)),
    alerts.map((x) => x.k), alerts.map((x) => x.a.id), alerts.map((x) => x.a.destination), alerts.map((x) => x.a.type), alerts.map((x) => x.a.status),
    alerts.map((x) => num(x.a.nextAttemptAt)), alerts.map((x) => x.a.payload), alerts.map((x) => num(x.a.createdAt)), alerts.map((x) => num(x.a.runId)),
  ];
  await tx.unsafe(`
    WITH v AS (
      SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::int[], $8::text[], $9::bigint[])
        WITH ORDINALITY AS v(ticket_id, cycle, type, rule, due_at, recorded_at, announced, data, run_id, k)),
    e AS (
      INSERT INTO sla_events (ticket_id, cycle, type, rule, due_at, recorded_at, announced, data, run_id)
      SELECT ticket_id, cycle, type, rule, due_at, recorded_at, announced, data, run_id FROM v ORDER BY k
      ON CONFLICT (ticket_id, cycle, type, rule) DO NOTHING
      RETURNING seq, ticket_id, cycle, type, rule)
    INSERT INTO alerts (id, sla_event_seq, ticket_id, destination, type, status, attempts, next_attempt_at, payload, created_at, run_id)
    SELECT a.id, e.seq, e.ticket_id, a.destination, a.type, a.status, 0, a.next_attempt_at, a.payload, a.created_at, a.run_id
    FROM unnest($10::bigint[], $11::text[], $12::text[], $13::text[], $14::text[], $15::bigint[], $16::text[], $17::bigint[], $18::bigint[])
        WITH ORDINALITY AS a(k, id, destination, type, status, next_attempt_at, payload, created_at, run_id, n)
      JOIN v ON v.k = a.k
      JOIN e ON e.ticket_id = v.ticket_id AND e.cycle = v.cycle AND e.type = v.type AND e.rule = v.rule
    ORDER BY a.n
    ON CONFLICT (id) DO NOTHING`, values as never[], { prepare: true });
}

async function insertAlert(tx: Sql, a: AlertInsert & { ticketId: string; slaEventSeq: number | null }): Promise<void> {
  await tx`
    INSERT INTO alerts (id, sla_event_seq, ticket_id, destination, type, status, attempts, next_attempt_at, payload, created_at, run_id)
    VALUES (${a.id}, ${a.slaEventSeq}, ${a.ticketId}, ${a.destination}, ${a.type}, ${a.status}, 0, ${a.nextAttemptAt}, ${a.payload},
      ${a.createdAt}, ${a.runId})
    ON CONFLICT (id) DO NOTHING`;
}

/** Open tickets whose stored slaStatus is one of `states`, on `sql` (a pool or a transaction). */
async function countOpenIn(sql: Sql, states: readonly string[]): Promise<number> {
  if (states.length === 0) return 0; // SQLite's `IN ()`: nothing (PostgreSQL has no empty list)
  const s = inList('s', states);
  const [r] = await run<{ n: number }>(sql, `SELECT count(*) AS n FROM tickets WHERE ${OPEN} AND sla_status IN (${s.text})`, s.params);
  return r.n;
}
