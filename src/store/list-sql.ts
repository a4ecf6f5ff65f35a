// The SQL of `list` that both engines run (the SQLite file's and PostgreSQL's): which open
// tickets answer a filter at @now from their stored instants, and in which order. Written
// in the SQL both accept (booleans, coalesce, CASE) with named parameters (`@now`); what
// differs — comparing text in any case, the name of the pause-ends table — is the dialect's.
//
// Stored SLA columns are the state as of `computed_at`. With no new event the state only
// moves at known instants (at-risk, due, a manual pause's `until`), so a filter "as of now"
// is answered from the instants themselves: a running clock is breached iff due_at < now, at
// risk iff at_risk_at <= now. Rows the instants cannot answer — written after `now` (a look
// into the past with --at) or paused with a `until` that has run out — are "stale": the
// caller evaluates those with the clock.

import { METRIC, METRICS, type Metric, type MetricNames } from '../domain/metrics.js';
import type { ListFilter, ListQuery, StatusFilter } from './contract.js';

export interface Dialect {
  /** `column` equals parameter `@param`, letters in any case. */
  nocase(column: string, param: string): string;
  /** The pause-ends table as a query over tickets names it. */
  pauseEnds: string;
}

/**
 * An open ticket (current status neither resolved nor closed). Textually the WHERE of the
 * partial indexes over open tickets in migrations/ (SQLite uses a partial index only when the
 * query's condition implies it): keep them equal.
 */
export const OPEN_SQL = "status NOT IN ('resolved', 'closed')";

/**
 * The row `alias` (a table name or alias of tickets' columns) holds a state that cannot
 * answer for @now from its stored instants: never computed, stored after @now (a look into
 * the past with --at), or paused with a manual pause whose `until` passed between its write
 * and @now.
 */
export function staleCondition(alias: string, d: Dialect): string {
  const a = alias;
  return `(${a}.computed_at IS NULL OR ${a}.computed_at > @now
    OR (${a}.paused_at IS NOT NULL AND EXISTS (SELECT 1 FROM ${d.pauseEnds} pe
      WHERE pe.ticket_id = ${a}.id AND pe.until > ${a}.computed_at AND pe.until <= @now)))`;
}

// Per-metric predicates on the stored instants (`p`: a metric's column prefix), for rows that
// are not stale. Each is true or false (never NULL), so NOT and OR behave.
type Prefix = MetricNames['column'];
const running = (p: Prefix): string => `${p}_status IN ('on_time', 'at_risk')`;
const isBreached = (p: Prefix): string =>
  `coalesce(${p}_status = 'breached' OR (${running(p)} AND ${p}_due_at < @now), false)`;
const isAtRisk = (p: Prefix): string =>
  `coalesce(${running(p)} AND ${p}_due_at >= @now AND ${p}_at_risk_at <= @now, false)`;
const isPaused = (p: Prefix): string => `coalesce(${p}_status = 'paused', false)`;
const isOnTime = (p: Prefix): string => `(coalesce(${running(p)}, false) AND NOT ${isBreached(p)} AND NOT ${isAtRisk(p)})`;
/** `pred` of the one metric, or of any metric without one. */
const ofMetric = (metric: Metric | undefined, pred: (p: Prefix) => string): string =>
  (metric ? pred(METRIC[metric].column) : `(${METRICS.map((m) => pred(METRIC[m].column)).join(' OR ')})`);

/** The metric (or, without one, the ticket's worst-of status) is `status` at @now. */
function statusIs(status: StatusFilter, metric: Metric | undefined): string {
  if (metric) {
    const p = METRIC[metric].column;
    return status === 'breached' ? isBreached(p) : status === 'at_risk' ? isAtRisk(p) : status === 'paused' ? isPaused(p) : isOnTime(p);
  }
  const b = ofMetric(undefined, isBreached);
  const r = ofMetric(undefined, isAtRisk);
  const pa = ofMetric(undefined, isPaused);
  if (status === 'breached') return b;
  if (status === 'at_risk') return `(NOT ${b} AND ${r})`;
  if (status === 'paused') return `(NOT ${b} AND NOT ${r} AND ${pa})`;
  return `(NOT ${b} AND NOT ${r} AND NOT ${pa} AND ${ofMetric(undefined, (p) => `${p}_status IS NOT NULL`)})`;
}

/** A running (not stopped) clock's dueAt, else NULL. */
const runningDue = (p: Prefix): string => `(CASE WHEN ${p}_stopped_at IS NULL THEN ${p}_due_at END)`;
/** The earlier of two nullable values. */
const least = (a: string, b: string): string => `(CASE WHEN ${a} IS NULL THEN ${b} WHEN ${b} IS NULL THEN ${a} WHEN ${a} < ${b} THEN ${a} ELSE ${b} END)`;

/** The metric's running deadline, or without one the earliest of them. */
function dueExpr(metric: Metric | undefined): string {
  if (metric) return runningDue(METRIC[metric].column);
  return METRICS.map((m) => runningDue(METRIC[m].column)).reduce(least);
}

/** The field filters (priority, tier, assignee, unassigned) as conditions, their values into `params`. */
function fieldWhere(f: ListFilter, where: string[], params: Record<string, unknown>, d: Dialect): void {
  if (f.priority !== undefined) { where.push('priority = @priority'); params.priority = f.priority; }
  if (f.tier !== undefined) { where.push(d.nocase('tier', 'tier')); params.tier = f.tier; }
  if (f.assignee !== undefined) { where.push(d.nocase('assignee', 'assignee')); params.assignee = f.assignee; }
  if (f.unassigned) where.push("(assignee IS NULL OR assignee = '')");
}

function statusWhere(f: ListFilter, where: string[], params: Record<string, unknown>): void {
  if (f.status !== undefined) where.push(statusIs(f.status, f.metric));
  if (f.dueWithinMs !== undefined) {
    params.dueUntil = (params.now as number) + f.dueWithinMs;
    const within = (p: Prefix): string =>
      `coalesce(${p}_stopped_at IS NULL AND ${p}_due_at >= @now AND ${p}_due_at <= @dueUntil, false)`;
    where.push(ofMetric(f.metric, within));
  }
}

/** The list's order (its parameters into `params`). */
function orderBy(q: ListQuery, params: Record<string, unknown>): string {
  const due = dueExpr(q.metric);
  const breached = statusIs('breached', q.metric);
  const byDue = `(CASE WHEN ${breached} THEN 0 ELSE 1 END), (CASE WHEN ${due} IS NULL THEN 1 ELSE 0 END), ${due}`;
  if (q.sort === 'created') return 'created_at, id';
  if (q.sort === 'priority') {
    const cases = q.priorities.map((p, i) => { params[`rank${i}`] = p; return `WHEN @rank${i} THEN ${i}`; }).join(' ');
    return `(CASE priority ${cases} ELSE ${q.priorities.length} END), ${byDue}, created_at, id`;
  }
  return `${byDue}, created_at, id`;
}

/** The open tickets whose stored state answers the filter at q.now. */
function fastWhere(q: ListQuery, d: Dialect): { cond: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = { now: q.now };
  const where = [OPEN_SQL, 'created_at <= @now', `NOT ${staleCondition('tickets', d)}`];
  fieldWhere(q, where, params, d);
  statusWhere(q, where, params);
  return { cond: where.join(' AND '), params };
}

type Params = Record<string, unknown>;

/** listOpenIds' statements: how many open tickets answer the filter, and their ids in the list's order (at most q.limit). */
export function listOpenSql(q: ListQuery, d: Dialect): { count: string; countParams: Params; ids: string; idsParams: Params } {
  const { cond, params } = fastWhere(q, d);
  const idsParams = { ...params };
  const order = orderBy(q, idsParams);
  const limit = q.limit === null ? '' : ` LIMIT ${Math.max(0, Math.floor(q.limit))}`;
  return {
    count: `SELECT count(*) AS n FROM tickets WHERE ${cond}`, countParams: params,
    ids: `SELECT id FROM tickets WHERE ${cond} ORDER BY ${order}${limit}`, idsParams,
  };
}

/**
 * staleOpen's statements: tickets created by @now and stored after it (a look into the past:
 * any status), and open ones paused whose manual pause's `until` passed since they were
 * stored (found from the few pauses that have an end); the field filters but priority (which
 * changes over time: the caller checks it against the clock's).
 */
export function staleOpenSql(q: ListQuery, d: Dialect): { later: string; ranOut: string; params: Params } {
  const params: Params = { now: q.now };
  const fields: string[] = [];
  fieldWhere({ ...q, priority: undefined }, fields, params, d);
  const extra = fields.map((w) => ` AND ${w}`).join('');
  return {
    later: `SELECT * FROM tickets WHERE computed_at > @now AND created_at <= @now${extra}`,
    ranOut: `SELECT * FROM tickets WHERE id IN (SELECT p.ticket_id FROM ${d.pauseEnds} p JOIN tickets t ON t.id = p.ticket_id
         WHERE p.until <= @now AND p.until > t.computed_at)
       AND computed_at <= @now AND paused_at IS NOT NULL AND ${OPEN_SQL} AND created_at <= @now${extra}`,
    params,
  };
}

/**
 * listCreated's pages: tickets created in [since, until) with the field filters, oldest first
 * (keyset on created_at, id): `first`, then `next` with @afterAt and @afterId of the last row.
 */
export function createdPageSql(since: number | null, until: number | null, f: ListFilter, d: Dialect, pageSize: number): { first: string; next: string; params: Params } {
  const params: Params = {};
  const where: string[] = [];
  if (since !== null) { where.push('created_at >= @since'); params.since = since; }
  if (until !== null) { where.push('created_at < @until'); params.until = until; }
  fieldWhere(f, where, params, d);
  return {
    first: `SELECT * FROM tickets ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id LIMIT ${pageSize}`,
    next: `SELECT * FROM tickets WHERE ${[...where, '(created_at > @afterAt OR (created_at = @afterAt AND id > @afterId))'].join(' AND ')}
      ORDER BY created_at, id LIMIT ${pageSize}`,
    params,
  };
}
