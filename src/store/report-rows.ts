// What both engines' `sla report` share (sqlite/report.ts, postgres/report.ts): the SQL
// expressions that read the same in SQLite and PostgreSQL and mean the same in both — a
// metric's class as of @now, the group key, the local day, paused time and lifetime — the
// bit layout of the per-ticket class each engine computes around them in its own dialect,
// and the decoding of the (key, day, class) rows both engines' aggregates return into
// AggregateRows. One definition, so that the two engines cannot classify a ticket apart.
//
// An engine's aggregate row is [key, day, class, tickets, paused ms, lifetime ms, then per
// metric (METRICS order) its stopped-clock times as one text of comma-separated integers].

import { METRIC, METRICS, METRICS_LATER_FIRST, perMetric } from '../domain/metrics.js';
import { emptyCounts, type AggregateRow, type GroupCounts } from '../domain/report.js';
import type { DayIndex, OverrideRow, ReportQuery } from './contract.js';
import { metricColumn, STATE_COLUMNS, STATE_SUFFIXES, stateValue } from './metric-columns.js';

/** The columns of the report's rows (named like the tickets table's): what a re-evaluated row is counted from. */
export const COLUMNS: readonly string[] = [
  'id', 'created_at', 'priority', 'tier', 'policy', 'assignee', 'grp', 'customer', 'status', 'first_response_at',
  'paused_at', 'total_paused_ms', 'computed_at', ...STATE_COLUMNS, ...METRICS.map((m) => metricColumn(m, 'breach_reason')),
];

/** A re-evaluated row as COLUMNS' values (named like the tickets table's). */
export function overrideValues(r: OverrideRow): Record<string, unknown> {
  const c = r.computed;
  const v: Record<string, unknown> = {
    id: r.id, created_at: r.createdAt, priority: r.priority, tier: r.tier, policy: r.policy, assignee: r.assignee,
    grp: r.group, customer: r.customer, status: r.status, first_response_at: r.firstResponseAt,
    paused_at: c.pausedAt, total_paused_ms: c.totalPausedMs, computed_at: c.computedAt,
  };
  for (const m of METRICS) {
    for (const suffix of STATE_SUFFIXES) v[metricColumn(m, suffix)] = stateValue(c.metrics[m], suffix);
    v[metricColumn(m, 'breach_reason')] = r.breachReasons[m];
  }
  return v;
}

export const DAY_MS = 86_400_000;

// ---- the class of a ticket ----------------------------------------------------
//
// Every ticket row is reduced, before the GROUP BY sees it, to its group key, its day and
// one small integer class `c` (bit fields below), plus its stopped-clock times and
// paused/lifetime ms. The GROUP BY is on (key, day, class): a few hundred groups per key
// at most, which decodeClass turns into counts.
//
//   bits 5i … 5i+4  the code of metric i (METRICS order): class + 4 × (severity + 1), see metricCode
//   then, from bit F = 5 × the number of metrics:
//   bit  F      open (status not resolved/closed)
//   bit  F+1    unassigned
//   bit  F+2    priority = the top priority
//   bit  F+3    resolution clock ever paused
//   bit  F+4    stale (the stored row cannot answer for @now: see sqlite/report.ts)
//
// No term may be NULL (a NULL would make the whole class NULL).

/**
 * A metric at @now as class + 4 × (severity + 1). Class: 0 no clock, 1 met, 2 breached
 * (a stopped clock that missed, or a running one past due_at), 3 pending (running,
 * within target). Severity: -1 no clock, 0 on_time/met, 1 paused, 2 at_risk, 3 breached.
 */
export const metricCode = (m: string): string => `(CASE
    WHEN ${m}_status IS NULL THEN 0
    WHEN ${m}_stopped_at IS NOT NULL THEN (CASE WHEN ${m}_status = 'met' THEN 5 ELSE 18 END)
    WHEN ${m}_due_at < @now THEN 18
    WHEN ${m}_status = 'paused' THEN 11
    WHEN ${m}_at_risk_at <= @now THEN 15
    ELSE 7 END)`;
export const CODE_BITS = 5;
const FLAGS = CODE_BITS * METRICS.length;
export const OPEN_BIT = 2 ** FLAGS;
export const UNASSIGNED_BIT = 2 ** (FLAGS + 1);
export const URGENT_BIT = 2 ** (FLAGS + 2);
export const PAUSED_BIT = 2 ** (FLAGS + 3);
export const STALE_BIT = 2 ** (FLAGS + 4);

/** Breached (class 2) as of @now, for the breach_reason key. */
const metricBreached = (m: string): string =>
  `(${m}_status IS NOT NULL AND ((${m}_stopped_at IS NOT NULL AND ${m}_status <> 'met') OR (${m}_stopped_at IS NULL AND ${m}_due_at < @now)))`;
/** Wall-clock ms paused while the resolution clock ran, up to @now. */
export const PAUSED_MS = `CASE WHEN res_status IS NOT NULL THEN total_paused_ms +
    (CASE WHEN paused_at IS NOT NULL AND res_stopped_at IS NULL AND computed_at < @now THEN @now - computed_at ELSE 0 END) END`;
/** Wall-clock lifetime of a ticket with an SLA: created → resolved, or → @now while open. */
export const LIFETIME_MS = `CASE WHEN res_status IS NOT NULL THEN coalesce(res_stopped_at, @now) - created_at END`;

/** Group names of `--by breach_reason` for tickets without a recorded reason. */
export const NO_REASON = '(no reason recorded)';
export const NOT_BREACHED = '(not breached)';

export function keyExpr(q: ReportQuery): string {
  switch (q.by) {
    case 'priority': return `nullif(priority, '')`;
    case 'tier': return `nullif(tier, '')`;
    case 'policy': return `nullif(policy, '')`;
    case 'assignee': return `nullif(assignee, '')`;
    case 'group': return `nullif(grp, '')`;
    case 'customer': return `nullif(customer, '')`;
    case 'breach_reason': {
      // A ticket's reason: the last metric's recorded one first (resolution before first response).
      const reasons = METRICS_LATER_FIRST.map((m) => metricColumn(m, 'breach_reason'))
        .map((r) => `WHEN ${r} IS NOT NULL AND ${r} <> '' THEN ${r}`).join(' ');
      return `(CASE ${reasons}
        WHEN ${METRICS.map((m) => metricBreached(METRIC[m].column)).join(' OR ')} THEN '${NO_REASON}'
        ELSE '${NOT_BREACHED}' END)`;
    }
    case 'day': return dayExpr(q.day);
  }
}

/**
 * Local day index of created_at; the offsets are numbers computed by us, never user text.
 * Integer division truncates in both engines (created_at is an integer in both).
 */
export function dayExpr(d: DayIndex): string {
  const int = (x: number): string => {
    if (!Number.isSafeInteger(x)) throw new Error(`not an integer: ${x}`);
    return String(x);
  };
  const last = d.offsets[d.offsets.length - 1];
  const offset = d.offsets.length === 1
    ? int(last.offsetMs)
    : 'CASE ' + d.offsets.slice(0, -1).map((o) => `WHEN created_at < ${int(o.until!)} THEN ${int(o.offsetMs)}`).join(' ') +
      ` ELSE ${int(last.offsetMs)} END`;
  return `CAST((created_at + ${offset} - ${int(d.localEpoch)}) / ${DAY_MS} AS INTEGER)`;
}

/** The report's window: created in [@from, @to), and not after @now. */
export const WINDOW = 'created_at >= @from AND created_at < @to AND created_at <= @now';

// ---- decoding ---------------------------------------------------------------

/** A raw result row of an aggregate query. */
export type RawRow = unknown[];

/** group_concat outputs of non-negative integers ("12,5,300", …) → one array of all their numbers. */
export function parseIntLists(lists: readonly string[]): Uint32Array {
  let n = 0;
  for (const s of lists) {
    if (!s) continue;
    n++;
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 44) n++;
  }
  const out = new Uint32Array(n);
  let j = 0;
  for (const s of lists) {
    if (!s) continue;
    let v = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 44) { out[j++] = v; v = 0; } else v = v * 10 + (c - 48);
    }
    out[j++] = v;
  }
  return out;
}

const num = (x: unknown): number => (typeof x === 'number' ? x : typeof x === 'bigint' ? Number(x) : 0);
const SEVERITY_NAMES = [null, 'on_time', 'paused', 'at_risk', 'breached'] as const;

const bit = (c: number, b: number): boolean => Math.floor(c / b) % 2 === 1;

/** Adds `n` tickets of class `c` (see the class's bits above) to `counts`. */
export function decodeClass(c: number, n: number, counts: GroupCounts): void {
  counts.tickets += n;
  let anyClock = false;
  let anyBreached = false;
  let worst = 0;
  for (let i = 0; i < METRICS.length; i++) {
    const code = Math.floor(c / 2 ** (CODE_BITS * i)) % 32;
    const m = counts[METRIC[METRICS[i]].key];
    const cls = code & 3;
    if (cls === 1) m.met += n;
    else if (cls === 2) m.breached += n;
    else if (cls === 3) m.pending += n;
    if (code !== 0) anyClock = true;
    if (cls === 2) anyBreached = true;
    worst = Math.max(worst, code >> 2);
  }
  if (!anyClock) counts.withoutSla += n;
  if (bit(c, OPEN_BIT)) {
    counts.open += n;
    if (bit(c, UNASSIGNED_BIT)) counts.unassignedOpen += n;
    if (bit(c, URGENT_BIT)) counts.urgentOpen += n;
    // slaStatus = the worst metric (SPEC §1); a ticket without an SLA has none.
    const severity = SEVERITY_NAMES[worst] ?? null;
    if (severity) counts.statusCounts[severity] += n;
  }
  if (anyBreached) counts.breachedTickets += n;
  if (bit(c, PAUSED_BIT)) counts.pausedTickets += n;
}

const keyOf = (k: unknown): string | null => (k === null || k === undefined ? null : String(k));
const rowId = (key: string | null, day: number): string => `${day}\u0000${key === null ? '\u0001' : key}`;

const NO_TIMES = new Uint32Array(0);
/** Where an aggregate row's time lists start (one per metric). */
const TIMES_AT = 6;

/**
 * (key, day, class) rows → one AggregateRow per (key, day), and the number of stale
 * tickets. A key's stopped-clock times are all put on one of its rows (they are only
 * ever used per key), parsed once: no small arrays per day and class.
 */
export function decodeRows(raw: readonly RawRow[]): { rows: AggregateRow[]; stale: number } {
  const byKeyDay = new Map<string, AggregateRow>();
  const times = new Map<string | null, { row: AggregateRow; lists: string[][] }>();
  let stale = 0;
  for (const r of raw) {
    const c = num(r[2]);
    if (bit(c, STALE_BIT)) {
      stale += num(r[3]); // counted again once re-evaluated
      continue;
    }
    const key = keyOf(r[0]);
    const day = num(r[1]);
    const id = rowId(key, day);
    let row = byKeyDay.get(id);
    if (!row) {
      row = { key, day, counts: emptyCounts(), times: perMetric(() => NO_TIMES) };
      byKeyDay.set(id, row);
    }
    decodeClass(c, num(r[3]), row.counts);
    row.counts.pausedMs += num(r[4]);
    row.counts.lifetimeMs += num(r[5]);
    for (let i = 0; i < METRICS.length; i++) {
      const list = r[TIMES_AT + i];
      if (!list) continue;
      let t = times.get(key);
      if (!t) { t = { row, lists: METRICS.map(() => []) }; times.set(key, t); }
      t.lists[i].push(list as string);
    }
  }
  for (const t of times.values()) {
    t.row.times = perMetric((m) => parseIntLists(t.lists[METRICS.indexOf(m)]));
  }
  return { rows: [...byKeyDay.values()], stale };
}

/**
 * Escalation counts ([key, day, count] rows) onto the rows of their (key, day): such a
 * row exists, the escalated ticket is in it.
 */
export function addEscalations(rows: AggregateRow[], esc: readonly RawRow[]): void {
  const byKeyDay = new Map(rows.map((r) => [rowId(r.key, r.day), r]));
  for (const e of esc) {
    const row = byKeyDay.get(rowId(keyOf(e[0]), num(e[1])));
    if (row) row.counts.escalations += num(e[2]);
  }
}
