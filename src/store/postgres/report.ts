// The SQL of `sla report` on PostgreSQL (team mode): the SQLite engine's report
// (../sqlite/report.ts) in PostgreSQL's dialect, giving the same rows. One GROUP BY pass
// on the server over the tickets created in the window, each reduced to its group key,
// local day and class as of `now` from the stored derived columns (the expressions and
// the class's bits both engines share: ../report-rows.ts), plus each group's stopped-clock
// times as text lists of integers, decoded by the same code as SQLite's rows.
//
// Rows the stored columns cannot answer for at `now` ("stale": written after `now`, as
// with --at in the past, or paused with a manual pause that ran out since) are left out
// and only counted; the caller re-evaluates them from their history, and the re-evaluated
// rows are counted by the same SQL, sent to the server as JSON records in place of the
// tickets table (SQLite's TEMP table). All of it reads one snapshot, so that the stale
// rows read are the ones the first pass left out, whatever other machines write meanwhile.
//
// Where PostgreSQL differs: booleans are not numbers (cast to integer in the class); `IS`
// between values is IS NOT DISTINCT FROM, and text cannot hold the NUL the SQLite engine
// gives for "no top priority"; CAST of a double to an integer rounds where SQLite truncates;
// sums of integers are numeric (text to the driver) where SQLite's total() is a double.

import { METRIC, METRICS, type ByMetric, type Metric } from '../../domain/metrics.js';
import type { OverrideRow, ReportAggregates, ReportQuery, TicketRecord } from '../contract.js';
import { OPEN_SQL, staleCondition } from '../list-sql.js';
import {
  addEscalations, CODE_BITS, COLUMNS, dayExpr, decodeRows, keyExpr, LIFETIME_MS, metricCode, OPEN_BIT, overrideValues,
  PAUSED_BIT, PAUSED_MS, STALE_BIT, UNASSIGNED_BIT, URGENT_BIT, WINDOW, type RawRow,
} from '../report-rows.js';
import { rowToRecord, type TicketRecordRow } from '../ticket-row.js';
import type { Sql } from './open.js';
import { begin, numbered, type Params } from './sql.js';
import { POSTGRES } from './tickets.js';

/** Half the tickets table's pages at least this many (64 MiB of 8 KiB pages): read in two halves at once. */
const SPLIT_PAGES = 8192;
/** Stale rows read from the server at a time. */
const PAGE = 1000;
/** Re-evaluated rows sent to the server in one statement (JSON of about half a kilobyte each). */
const OVERRIDE_CHUNK = 10_000;

// ---- SQL text ---------------------------------------------------------------

/** See ../sqlite/report.ts STALE; the rows are aliased `t`. */
const STALE = staleCondition('t', POSTGRES);
const CLASS = `(${METRICS.map((m, i) => `${2 ** (CODE_BITS * i)} * ${metricCode(METRIC[m].column)}`).join(' + ')}
    + ${OPEN_BIT} * (${OPEN_SQL})::int
    + ${UNASSIGNED_BIT} * (assignee IS NULL OR assignee = '')::int
    + ${URGENT_BIT} * coalesce(priority = @urgent, false)::int
    + ${PAUSED_BIT} * (res_status IS NOT NULL AND (total_paused_ms > 0 OR paused_at IS NOT NULL))::int
    + ${STALE_BIT} * (${STALE})::int)`;
/** See ../sqlite/report.ts MEASURED_WHEN. */
const MEASURED_WHEN: ByMetric<string> = {
  first_response: 'first_response_at <= fr_stopped_at',
  resolution: 'true',
};
/** A stopped clock's SLA-clock time in hundredths of a minute, truncated as SQLite's CAST does. */
const stoppedTime = (m: Metric): string => {
  const p = METRIC[m].column;
  return `CASE WHEN ${p}_stopped_at IS NOT NULL AND ${MEASURED_WHEN[m]} THEN trunc(${p}_elapsed_min * 100::float8 + 0.5::float8)::bigint END`;
};

/** The re-evaluated rows, typed like the tickets table's columns, from the JSON array @rows. */
const columnType = (c: string): string =>
  c.endsWith('_min') ? 'double precision' : c.endsWith('_at') || c === 'total_paused_ms' ? 'bigint' : 'text';
const OVERRIDES = `jsonb_to_recordset(@rows::jsonb) AS t(${COLUMNS.map((c) => `${c} ${columnType(c)}`).join(', ')})`;

/** Where the rows come from: the tickets table, or the re-evaluated rows. */
type Source = 'tickets' | 'override';
const fromClause = (source: Source): string => (source === 'override' ? OVERRIDES : 'tickets AS t');

/**
 * The aggregate over the window's rows of `source`, in (key, day, class) groups, in the
 * order SQLite's GROUP BY gives them (its sorter: NULL first, text by bytes).
 */
function aggregateSql(q: ReportQuery, source: Source, part = 'true'): string {
  const day = q.daily && q.by !== 'day' ? dayExpr(q.day) : '0';
  const keyOrder = q.by === 'day' ? 'k' : 'k COLLATE "C"';
  return `SELECT k, d, c, count(*), coalesce(sum(pm), 0)::float8, coalesce(sum(lt), 0)::float8,
      ${METRICS.map((_, i) => `string_agg(t${i}::text, ',')`).join(', ')} FROM (
    SELECT ${keyExpr(q)} AS k, ${day} AS d, ${CLASS} AS c,
      ${METRICS.map((m, i) => `${stoppedTime(m)} AS t${i}`).join(', ')}, ${PAUSED_MS} AS pm, ${LIFETIME_MS} AS lt
    FROM ${fromClause(source)} WHERE ${WINDOW} AND ${part}) AS x
  GROUP BY k, d, c
  ORDER BY ${keyOrder} NULLS FIRST, d, c`;
}

/** Escalations recorded by @now of the window's tickets (stale ones left out of the tickets table). */
function escalationSql(q: ReportQuery, source: Source): string {
  const day = q.daily && q.by !== 'day' ? dayExpr(q.day) : '0';
  return `SELECT k, d, count(*) FROM (
    SELECT ${keyExpr(q)} AS k, ${day} AS d
    FROM sla_events e JOIN ${fromClause(source)} ON t.id = e.ticket_id
    WHERE e.type = 'escalated' AND e.due_at <= @now AND t.created_at >= @from AND t.created_at < @to AND t.created_at <= @now
      ${source === 'override' ? '' : `AND NOT ${STALE}`}) AS x
  GROUP BY k, d`;
}

const STALE_SQL = `SELECT * FROM tickets AS t WHERE ${WINDOW} AND ${STALE}`;

/**
 * The report's transaction's planner settings. The planner cannot tell how few (group, day,
 * class) groups there are — a few hundred; it assumes one per row — so it would sort the
 * window's rows, on disk, instead of hashing them into their groups; and compiling the
 * expressions (JIT) costs more than it saves on a table of this size.
 */
const PLANNER = 'SET LOCAL jit = off; SET LOCAL enable_sort = off';
/**
 * The escalations: looked up by key from the side with fewer rows (the escalation events, or
 * the window's tickets), not by hashing a whole table; the planner's default costs assume
 * a disk read for each lookup, where a team's server has these tables in memory.
 */
const ESCALATION_PLANNER = 'SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off';

// ---- running ----------------------------------------------------------------

/** Text in byte order (UTF-8's, as COLLATE "C" compares): by code point, not UTF-16 unit. */
function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Two statements' aggregate rows, each in aggregateSql's order, merged into that order (NULL keys first). */
function mergeOrdered(a: readonly RawRow[], b: readonly RawRow[], numericKey: boolean): RawRow[] {
  const key = (x: unknown, y: unknown): number => {
    if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
    return numericKey ? Number(x) - Number(y) : byCodePoint(String(x), String(y));
  };
  const order = (x: RawRow, y: RawRow): number => key(x[0], y[0]) || Number(x[1]) - Number(y[1]) || Number(x[2]) - Number(y[2]);
  const out: RawRow[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(order(a[i], b[j]) <= 0 ? a[i++] : b[j++]);
  return out.concat(a.slice(i), b.slice(j));
}

function params(q: ReportQuery): Params {
  return { from: q.from, to: q.to, now: q.now, urgent: q.urgent };
}

/** A statement's rows as arrays of values (the layout ../report-rows.ts decodes). */
async function rawRows(sql: Sql, text: string, p: Params): Promise<RawRow[]> {
  const n = numbered(text, p);
  return (await sql.unsafe(n.text, n.values as never[]).values()) as unknown as RawRow[];
}

export class PgReport {
  /** `splitPages`: see SPLIT_PAGES (the tests make small tables split). */
  constructor(private readonly sql: Sql, private readonly splitPages = SPLIT_PAGES) {}

  /**
   * aggregateSql and escalationSql over the tickets table, in `tx`'s snapshot. A large table
   * is aggregated in two halves of its pages at once, the second on another connection in the
   * same snapshot (pg_export_snapshot) — the server would read it with parallel workers
   * itself, but not for this statement: its lists of times (string_agg) cannot be aggregated
   * in parts before PostgreSQL 16. The halves' rows come in the order of one statement's; the
   * escalations are counted on the first connection after its half.
   */
  private async ticketsPass(tx: Sql, q: ReportQuery, p: Params): Promise<{ aggregate: RawRow[]; escalations: RawRow[]; slices: number }> {
    const escalations = async (): Promise<RawRow[]> => {
      await tx.unsafe(ESCALATION_PLANNER);
      return rawRows(tx, escalationSql(q, 'tickets'), p);
    };
    const [{ pages, snapshot }] = await tx.unsafe(
      `SELECT pg_relation_size('tickets') / current_setting('block_size')::int AS pages, pg_export_snapshot() AS snapshot`,
    ) as unknown as Array<{ pages: number; snapshot: string }>;
    const half = Math.floor(Number(pages) / 2);
    if (half < this.splitPages || !/^[0-9A-F-]+$/i.test(snapshot)) {
      const aggregate = await rawRows(tx, aggregateSql(q, 'tickets'), p);
      return { aggregate, escalations: await escalations(), slices: 1 };
    }
    const [first, second] = await Promise.all([
      rawRows(tx, aggregateSql(q, 'tickets', `t.ctid < '(${half},0)'::tid`), p).then(async (rows) => ({ rows, esc: await escalations() })),
      begin(this.sql, 'isolation level repeatable read read only', async (t2) => {
        const other = t2 as unknown as Sql;
        await other.unsafe(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
        await other.unsafe(PLANNER);
        return rawRows(other, aggregateSql(q, 'tickets', `t.ctid >= '(${half},0)'::tid`), p);
      }),
    ]);
    return { aggregate: mergeOrdered(first.rows, second, q.by === 'day'), escalations: first.esc, slices: 2 };
  }

  /**
   * The window's counts per group (and day) as of q.now: the stored rows where they answer
   * for it, the stale ones re-evaluated by `reevaluate` and counted from what it gives.
   */
  async reportCounts(q: ReportQuery, reevaluate: (r: TicketRecord) => OverrideRow): Promise<{ aggregates: ReportAggregates; reevaluated: number }> {
    return begin(this.sql, 'isolation level repeatable read read only', async (t) => {
      const tx = t as unknown as Sql;
      const p = params(q);
      await tx.unsafe(PLANNER);
      const pass = await this.ticketsPass(tx, q, p);
      const { rows, stale } = decodeRows(pass.aggregate);
      addEscalations(rows, pass.escalations);
      const first: ReportAggregates = { rows, stale, slices: pass.slices };
      if (stale === 0) return { aggregates: first, reevaluated: 0 };

      const overrides: OverrideRow[] = [];
      const n = numbered(STALE_SQL, p);
      for await (const page of tx.unsafe(n.text, n.values as never[]).cursor(PAGE)) {
        for (const r of page) overrides.push(reevaluate(rowToRecord(r as unknown as TicketRecordRow)));
      }
      // Decoded together, so that the re-evaluated rows come as one set (as SQLite's TEMP table gives them).
      let raw: RawRow[] = [];
      let esc: RawRow[] = [];
      for (let i = 0; i < overrides.length; i += OVERRIDE_CHUNK) {
        const op = { ...p, rows: JSON.stringify(overrides.slice(i, i + OVERRIDE_CHUNK).map(overrideValues)) };
        raw = raw.concat(await rawRows(tx, aggregateSql(q, 'override'), op));
        esc = esc.concat(await rawRows(tx, escalationSql(q, 'override'), op));
      }
      const more = decodeRows(raw).rows;
      addEscalations(more, esc);
      return { aggregates: { ...first, rows: rows.concat(more) }, reevaluated: overrides.length };
    }) as Promise<{ aggregates: ReportAggregates; reevaluated: number }>;
  }
}
