// The SQL of `sla report`: one GROUP BY pass over the tickets created in a window,
// classifying every clock as of `now` from the stored derived columns, plus the
// stopped-clock times of each group as compact integer lists (percentiles need the
// values; SQL has no nearest-rank aggregate). Large windows are cut into slices of
// the table that run at the same time on read-only connections in worker threads
// (counts add up; time lists concatenate).
//
// The stored columns are the clock as of each ticket's last write (computed_at).
// They classify correctly at any `now` >= computed_at — running clocks are compared
// to `now` here: past due_at is breached, past at_risk_at is at risk — unless a
// manual pause ran out in between. Rows for which that does not hold ("stale":
// written after `now`, as with --at in the past, or an expired manual pause) are
// left out and only counted; the caller re-evaluates them from their history and
// has them counted by the same SQL from a TEMP table (overrideAggregates).

import Database from 'better-sqlite3';
import { availableParallelism } from 'node:os';
import { isMainThread, Worker } from 'node:worker_threads';
import { METRIC, METRICS, METRICS_LATER_FIRST, perMetric, type ByMetric, type Metric } from '../../domain/metrics.js';
import { emptyCounts, type AggregateRow, type GroupCounts, type GroupField } from '../../domain/report.js';
import { metricColumn, STATE_COLUMNS, STATE_SUFFIXES, stateValue } from './metric-columns.js';
import type { DayIndex, OverrideRow, ReportAggregates, ReportQuery, TicketRecord } from '../contract.js';
import { rowToRecord, type TicketRecordRow } from './queries.js';
import { OPEN_SQL, staleSql } from './ticket-row.js';
import type { Store } from './tickets.js';

/** The per-ticket state as of `now` of rows that the stored columns cannot classify (see above). */

const COLUMNS: readonly string[] = [
  'id', 'created_at', 'priority', 'tier', 'policy', 'assignee', 'grp', 'customer', 'status', 'first_response_at',
  'paused_at', 'total_paused_ms', 'computed_at', ...STATE_COLUMNS, ...METRICS.map((m) => metricColumn(m, 'breach_reason')),
];

/** A re-evaluated row as the TEMP table's columns (named like main.tickets'). */
function overrideValues(r: OverrideRow): Record<string, unknown> {
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

const OVERRIDE_TABLE = 'temp.sla_report_override';
const columnType = (c: string): string =>
  c.endsWith('_min') ? 'REAL' : c.endsWith('_at') || c === 'total_paused_ms' ? 'INTEGER' : 'TEXT';
const DAY_MS = 86_400_000;
/** Below this many tickets in the window, one connection is quicker than starting workers. */
const PARALLEL_MIN_TICKETS = 150_000;
const MAX_SLICES = 8;
export const MMAP_BYTES = 1 << 30;

// ---- SQL text ---------------------------------------------------------------
//
// Every ticket row is reduced, before the GROUP BY sorter sees it, to its group key,
// its day and one small integer class `c` (bit fields below), plus its stopped-clock
// times and paused/lifetime ms. The GROUP BY is on (key, day, class): a few hundred
// groups per key at most, which decodeClass turns into counts. Keeping the sorter's
// records that small (and each CASE evaluated once per row) is what makes a million
// tickets take about a second.
//
//   bits 5i … 5i+4  the code of metric i (METRICS order): class + 4 × (severity + 1), see metricCode
//   then, from bit F = 5 × the number of metrics:
//   bit  F      open (status not resolved/closed)
//   bit  F+1    unassigned
//   bit  F+2    priority = the top priority
//   bit  F+3    resolution clock ever paused
//   bit  F+4    stale (see the top of this file)
//
// No term may be NULL (a NULL would make the whole class NULL).

/**
 * A metric at @now as class + 4 × (severity + 1). Class: 0 no clock, 1 met, 2 breached
 * (a stopped clock that missed, or a running one past due_at), 3 pending (running,
 * within target). Severity: -1 no clock, 0 on_time/met, 1 paused, 2 at_risk, 3 breached.
 */
const metricCode = (m: string): string => `(CASE
    WHEN ${m}_status IS NULL THEN 0
    WHEN ${m}_stopped_at IS NOT NULL THEN (CASE WHEN ${m}_status = 'met' THEN 5 ELSE 18 END)
    WHEN ${m}_due_at < @now THEN 18
    WHEN ${m}_status = 'paused' THEN 11
    WHEN ${m}_at_risk_at <= @now THEN 15
    ELSE 7 END)`;
/**
 * The stored row cannot answer for @now: it was written later (--at in the past), or
 * it is paused and a manual pause (`sla pause --until`) ran out between its write and
 * @now, or it was never computed. (next_change_at cannot tell: it also holds
 * transitions that check has not recorded.) The rows are aliased `t`.
 */
const STALE = staleSql('t');
const CODE_BITS = 5;
const FLAGS = CODE_BITS * METRICS.length;
const OPEN_BIT = 2 ** FLAGS;
const UNASSIGNED_BIT = 2 ** (FLAGS + 1);
const URGENT_BIT = 2 ** (FLAGS + 2);
const PAUSED_BIT = 2 ** (FLAGS + 3);
const STALE_BIT = 2 ** (FLAGS + 4);
const CLASS = `(${METRICS.map((m, i) => `${2 ** (CODE_BITS * i)} * ${metricCode(METRIC[m].column)}`).join(' + ')}
    + ${OPEN_BIT} * (${OPEN_SQL})
    + ${UNASSIGNED_BIT} * (assignee IS NULL OR assignee = '')
    + ${URGENT_BIT} * (priority IS @urgent)
    + ${PAUSED_BIT} * (res_status IS NOT NULL AND (total_paused_ms > 0 OR paused_at IS NOT NULL))
    + ${STALE_BIT} * ${STALE})`;
/** Breached (class 2) as of @now, for the breach_reason key. */
const metricBreached = (m: string): string =>
  `(${m}_status IS NOT NULL AND ((${m}_stopped_at IS NOT NULL AND ${m}_status <> 'met') OR (${m}_stopped_at IS NULL AND ${m}_due_at < @now)))`;
/**
 * Per metric, what else a stopped clock needs to count as a measured time (SQL ANDed to
 * "stopped"). A first-response time only when a response stopped the clock: not for a
 * ticket never answered, nor one answered only after a resolution had stopped it
 * (ticket JSON's firstResponseTime is null for those too).
 */
const MEASURED_WHEN: ByMetric<string> = {
  first_response: 'first_response_at <= fr_stopped_at',
  resolution: '1',
};
/** A stopped clock's SLA-clock time in hundredths of a minute (the precision the report prints). */
const stoppedTime = (m: Metric): string => {
  const p = METRIC[m].column;
  return `CASE WHEN ${p}_stopped_at IS NOT NULL AND ${MEASURED_WHEN[m]} THEN CAST(${p}_elapsed_min * 100 + 0.5 AS INTEGER) END`;
};
/** Wall-clock ms paused while the resolution clock ran, up to @now. */
const PAUSED_MS = `CASE WHEN res_status IS NOT NULL THEN total_paused_ms +
    (CASE WHEN paused_at IS NOT NULL AND res_stopped_at IS NULL AND computed_at < @now THEN @now - computed_at ELSE 0 END) END`;
/** Wall-clock lifetime of a ticket with an SLA: created → resolved, or → @now while open. */
const LIFETIME_MS = `CASE WHEN res_status IS NOT NULL THEN coalesce(res_stopped_at, @now) - created_at END`;

/** Group names of `--by breach_reason` for tickets without a recorded reason. */
export const NO_REASON = '(no reason recorded)';
export const NOT_BREACHED = '(not breached)';

function keyExpr(q: ReportQuery): string {
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

/** Local day index of created_at; the offsets are numbers computed by us, never user text. */
function dayExpr(d: DayIndex): string {
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

const WINDOW = 'created_at >= @from AND created_at < @to AND created_at <= @now';

/**
 * Where the rows come from: the tickets table read in rowid order between @lo and @hi
 * ('table': quicker when the window holds much of the table, no random row lookups),
 * through the created_at index ('index': narrow windows), or the TEMP table of
 * re-evaluated rows ('override').
 */
type Source = 'table' | 'index' | 'override';

function fromClause(source: Source): string {
  return source === 'override' ? `${OVERRIDE_TABLE} AS t`
    : source === 'table' ? 'main.tickets AS t NOT INDEXED' : 'main.tickets AS t';
}

/** The aggregate over the window's rows of `source`, in (key, day, class) groups. */
export function aggregateSql(q: ReportQuery, source: Source): string {
  const day = q.daily && q.by !== 'day' ? dayExpr(q.day) : '0';
  const where = source === 'table' ? `rowid >= @lo AND rowid < @hi AND ${WINDOW}` : WINDOW;
  // LIMIT -1 keeps the inner query from being flattened into the outer one, so the
  // GROUP BY sorter stores these few small values per ticket, not the columns.
  return `SELECT k, d, c, count(*), total(pm), total(lt), ${METRICS.map((_, i) => `group_concat(t${i})`).join(', ')} FROM (
    SELECT ${keyExpr(q)} AS k, ${day} AS d, ${CLASS} AS c,
      ${METRICS.map((m, i) => `${stoppedTime(m)} AS t${i}`).join(', ')}, ${PAUSED_MS} AS pm, ${LIFETIME_MS} AS lt
    FROM ${fromClause(source)} WHERE ${where}
    LIMIT -1)
  GROUP BY k, d, c`;
}

/** Escalations recorded by @now of the window's tickets (stale ones left out of the tickets table). */
function escalationSql(q: ReportQuery, source: Source): string {
  const day = q.daily && q.by !== 'day' ? dayExpr(q.day) : '0';
  return `SELECT k, d, count(*) FROM (
    SELECT ${keyExpr(q)} AS k, ${day} AS d
    FROM main.sla_events e JOIN ${source === 'override' ? `${OVERRIDE_TABLE} AS t` : 'main.tickets AS t'} ON t.id = e.ticket_id
    WHERE e.type = 'escalated' AND e.due_at <= @now AND t.created_at >= @from AND t.created_at < @to AND t.created_at <= @now
      ${source === 'override' ? '' : `AND NOT ${STALE}`})
  GROUP BY k, d`;
}

const STALE_SQL = `SELECT * FROM main.tickets AS t WHERE ${WINDOW} AND ${STALE}`;

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

/** Adds `n` tickets of class `c` (see CLASS) to `counts`. */
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
/** Where an aggregate row's time lists start (one per metric; see aggregateSql). */
const TIMES_AT = 6;

/**
 * (key, day, class) rows → one AggregateRow per (key, day), and the number of stale
 * tickets. A key's stopped-clock times are all put on one of its rows (they are only
 * ever used per key), parsed once: no small arrays per day and class.
 */
function decodeRows(raw: readonly RawRow[]): { rows: AggregateRow[]; stale: number } {
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

// ---- running ----------------------------------------------------------------

function params(q: ReportQuery, from = q.from, to = q.to): Record<string, unknown> {
  // IS @urgent must not match a NULL priority when no priorities are configured.
  return { from, to, now: q.now, urgent: q.urgent ?? '\u0000' };
}

/**
 * The tickets the stored columns cannot classify at `now`, each with its history and
 * breach reasons, in one query read row by row (with --at in the past that can be the
 * whole window: one record in memory at a time). The caller must not use the store's
 * connection until it has read them all.
 */
export function* staleRecords(store: Store, q: ReportQuery): Generator<TicketRecord> {
  for (const r of store.db.prepare<Record<string, unknown>, TicketRecordRow>(STALE_SQL).iterate(params(q))) yield rowToRecord(r);
}

/**
 * Counts of the window per group (and day), as of `q.now`, from the stored rows; the
 * stale ones (see the top of this file) are left out and only counted in `stale`.
 */
export async function reportAggregates(store: Store, q: ReportQuery): Promise<ReportAggregates> {
  const db = store.db;
  const p = planScan(db, q);
  const agg = aggregateSql(q, p.scan);
  // With several slices, the escalation count runs beside them too.
  const jobs: Job[] = p.slices.map((params) => ({ sql: agg, params }));
  const esc: Job = { sql: escalationSql(q, p.scan), params: params(q) };
  if (jobs.length > 1) jobs.push(esc);
  const results = await runJobs(db, jobs);
  const { rows, stale } = decodeRows(results.slice(0, p.slices.length).flat());
  addEscalations(rows, jobs.length > 1 ? results[results.length - 1] : (db.prepare(esc.sql).raw().all(esc.params) as RawRow[]));
  return { rows, stale, slices: p.slices.length };
}

/** Counts of re-evaluated rows (stale ones, as of `q.now`), through a TEMP table dropped after. */
export function overrideAggregates(store: Store, q: ReportQuery, overrides: readonly OverrideRow[]): AggregateRow[] {
  const db = store.db;
  db.exec(`DROP TABLE IF EXISTS ${OVERRIDE_TABLE}`);
  // Typed like main.tickets, so that integers stay integers (day arithmetic, comparisons).
  db.exec(`CREATE TABLE ${OVERRIDE_TABLE} (${COLUMNS.map((c) => (c === 'id' ? 'id TEXT PRIMARY KEY' : `${c} ${columnType(c)}`)).join(', ')})`);
  try {
    const ins = db.prepare(`INSERT INTO ${OVERRIDE_TABLE} (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => '@' + c).join(', ')})`);
    db.transaction(() => { for (const o of overrides) ins.run(overrideValues(o)); })();
    const { rows } = decodeRows(db.prepare(aggregateSql(q, 'override')).raw().all(params(q)) as RawRow[]);
    addEscalations(rows, db.prepare(escalationSql(q, 'override')).raw().all(params(q)) as RawRow[]);
    return rows;
  } finally {
    db.exec(`DROP TABLE IF EXISTS ${OVERRIDE_TABLE}`);
  }
}

/** Escalation counts onto the rows of their (key, day): such a row exists, the escalated ticket is in it. */
function addEscalations(rows: AggregateRow[], esc: readonly RawRow[]): void {
  const byKeyDay = new Map(rows.map((r) => [rowId(r.key, r.day), r]));
  for (const e of esc) {
    const row = byKeyDay.get(rowId(keyOf(e[0]), num(e[1])));
    if (row) row.counts.escalations += num(e[2]);
  }
}

interface ScanPlan { scan: 'table' | 'index'; slices: Array<Record<string, unknown>> }

/**
 * How to read the window: the whole table in rowid order when the window holds a
 * quarter of it or more, else through the created_at index; in up to MAX_SLICES
 * slices at the same time when it is large and the file is on disk.
 */
function planScan(db: Database.Database, q: ReportQuery): ScanPlan {
  const p = params(q);
  const n = db.prepare<Record<string, unknown>, number>(`SELECT count(*) FROM main.tickets WHERE ${WINDOW}`).pluck().get(p) ?? 0;
  const first = db.prepare<[], number>('SELECT rowid FROM main.tickets ORDER BY rowid LIMIT 1').pluck().get() ?? 0;
  const last = db.prepare<[], number>('SELECT rowid FROM main.tickets ORDER BY rowid DESC LIMIT 1').pluck().get() ?? 0;
  const span = last - first + 1;
  const parallel = n >= (q.parallelMinTickets ?? PARALLEL_MIN_TICKETS) && !db.memory && db.name !== '' && isMainThread;
  const k = parallel ? Math.max(1, Math.min(MAX_SLICES, availableParallelism())) : 1;
  if (n * 4 >= span) {
    const slices: Array<Record<string, unknown>> = [];
    for (let i = 0; i < k; i++) {
      slices.push({ ...p, lo: first + Math.floor((span * i) / k), hi: i === k - 1 ? last + 1 : first + Math.floor((span * (i + 1)) / k) });
    }
    return { scan: 'table', slices };
  }
  const bounds = [q.from];
  if (k > 1) {
    const at = db.prepare<Record<string, unknown>, number>(
      `SELECT created_at FROM main.tickets WHERE ${WINDOW} ORDER BY created_at LIMIT 1 OFFSET @offset`,
    ).pluck();
    for (let i = 1; i < k; i++) {
      const b = at.get({ ...p, offset: Math.floor((n * i) / k) });
      if (b !== undefined && b > bounds[bounds.length - 1]) bounds.push(b);
    }
  }
  bounds.push(q.to);
  return { scan: 'index', slices: bounds.slice(0, -1).map((b, i) => params(q, b, bounds[i + 1])) };
}

interface Job { sql: string; params: Record<string, unknown> }
/** What a slice's worker (report.worker.ts) is given. */
export interface SliceJob extends Job { path: string }

const WORKER_URL = new URL('./report.worker.js', import.meta.url);

/**
 * Read-only queries at the same time: the first on this connection, the others on
 * read-only connections in worker threads. A job whose worker fails runs here after.
 */
async function runJobs(db: Database.Database, jobs: readonly Job[]): Promise<RawRow[][]> {
  const workers = jobs.slice(1).map((j) => {
    const job: SliceJob = { path: db.name, sql: j.sql, params: j.params };
    return new Promise<RawRow[] | null>((resolve) => {
      let w: Worker;
      try {
        w = new Worker(WORKER_URL, { workerData: job });
      } catch {
        resolve(null);
        return;
      }
      w.once('message', (m: { rows?: RawRow[]; error?: string }) => resolve(m.rows ?? null));
      w.once('error', () => resolve(null));
      w.once('exit', () => resolve(null)); // no-op once resolved
    });
  });
  const run = (j: Job): RawRow[] => db.prepare(j.sql).raw().all(j.params) as RawRow[];
  const first = run(jobs[0]);
  const rest = await Promise.all(workers);
  return [first, ...rest.map((r, i) => r ?? run(jobs[i + 1]))];
}
