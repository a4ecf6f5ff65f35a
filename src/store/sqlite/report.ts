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
import { METRIC, METRICS, type ByMetric, type Metric } from '../../domain/metrics.js';
import type { AggregateRow } from '../../domain/report.js';
import type { OverrideRow, ReportAggregates, ReportQuery, TicketRecord } from '../contract.js';
import {
  addEscalations, CODE_BITS, COLUMNS, dayExpr, decodeRows, keyExpr, LIFETIME_MS, metricCode, OPEN_BIT, overrideValues, PAUSED_BIT,
  PAUSED_MS, STALE_BIT, UNASSIGNED_BIT, URGENT_BIT, WINDOW, type RawRow,
} from '../report-rows.js';
import { rowToRecord, type TicketRecordRow } from '../ticket-row.js';
import { OPEN_SQL, staleSql } from './ticket-row.js';
import type { Store } from './tickets.js';

export { NO_REASON, NOT_BREACHED, type RawRow } from '../report-rows.js';

const OVERRIDE_TABLE = 'temp.sla_report_override';
const columnType = (c: string): string =>
  c.endsWith('_min') ? 'REAL' : c.endsWith('_at') || c === 'total_paused_ms' ? 'INTEGER' : 'TEXT';
/** Below this many tickets in the window, one connection is quicker than starting workers. */
const PARALLEL_MIN_TICKETS = 150_000;
const MAX_SLICES = 8;
export const MMAP_BYTES = 1 << 30;

// ---- SQL text ---------------------------------------------------------------
//
// Every ticket row is reduced, before the GROUP BY sorter sees it, to its group key, its
// day and one small integer class `c` (its bits and the expressions both engines share:
// ../report-rows.ts). Keeping the sorter's records that small (and each CASE evaluated
// once per row) is what makes a million tickets take about a second.

/**
 * The stored row cannot answer for @now: it was written later (--at in the past), or
 * it is paused and a manual pause (`sla pause --until`) ran out between its write and
 * @now, or it was never computed. (next_change_at cannot tell: it also holds
 * transitions that check has not recorded.) The rows are aliased `t`.
 */
const STALE = staleSql('t');
const CLASS = `(${METRICS.map((m, i) => `${2 ** (CODE_BITS * i)} * ${metricCode(METRIC[m].column)}`).join(' + ')}
    + ${OPEN_BIT} * (${OPEN_SQL})
    + ${UNASSIGNED_BIT} * (assignee IS NULL OR assignee = '')
    + ${URGENT_BIT} * (priority IS @urgent)
    + ${PAUSED_BIT} * (res_status IS NOT NULL AND (total_paused_ms > 0 OR paused_at IS NOT NULL))
    + ${STALE_BIT} * ${STALE})`;
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
