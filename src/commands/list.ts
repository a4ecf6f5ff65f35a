// sla list — open tickets, most urgent first, filtered in SQL on the stored
// instants; only the page shown is evaluated with the clock. `--all` exports
// every ticket created in a window with its (final) SLA results.

import type { MetricState, TicketClock } from '../domain/clock.js';
import { assigneeAt, type Ticket } from '../domain/ticket.js';
import { DONE_STATUSES, type Instant, type Metric } from '../domain/types.js';
import { METRIC } from '../domain/metrics.js';
import { clip, formatDuration, isoUtc, localTime, minutes } from '../render/format.js';
import { DATA_FORMATS } from '../render/output.js';
import { firstResponseMinutes, ticketJson } from '../render/ticket-json.js';
import type { Store } from '../store/sqlite/store.js';
import type { ListFilter, ListQuery, SortKey, StatusFilter, TicketRecord } from '../store/sqlite/queries.js';
import { clockAt, parseMetric } from './agent-ops.js';
import { usageError, type Context } from './context.js';
import { canonicalPriority } from './priority.js';

interface Opts {
  status?: string; metric?: string; priority?: string; tier?: string; assignee?: string; unassigned?: boolean;
  dueWithin?: string; sort?: string; limit?: string; all?: boolean; since?: string; until?: string;
}

const STATUSES: readonly StatusFilter[] = ['on_time', 'at_risk', 'breached', 'paused'];
const SORTS: readonly SortKey[] = ['due', 'priority', 'created'];
/** Rows a table shows when no --limit is given (csv and json give them all). */
const TABLE_DEFAULT_LIMIT = 100;

export interface Evaluated { rec: TicketRecord; clock: TicketClock }

export async function run(ctx: Context, opts: Opts): Promise<number> {
  const format = ctx.format(['table', ...DATA_FORMATS]);
  const config = await ctx.config();
  const zone = config.timezone;

  const status = opts.status === undefined ? undefined : (opts.status.trim().toLowerCase().replace('-', '_') as StatusFilter);
  if (status !== undefined && !STATUSES.includes(status)) {
    throw usageError(`--status ${JSON.stringify(opts.status)} is not a status`, `use one of: ${STATUSES.join(', ')}`);
  }
  const metric = parseMetric(opts.metric);
  let priority: string | undefined;
  if (opts.priority !== undefined) {
    priority = canonicalPriority(config, opts.priority) ?? undefined;
    if (!priority) throw usageError(`unknown priority ${JSON.stringify(opts.priority)}`, `use one of: ${config.priorities.join(', ')}`);
  }
  if (opts.unassigned && opts.assignee !== undefined) throw usageError('--assignee and --unassigned exclude each other', 'give one of them');
  const sort = (opts.sort ?? 'due') as SortKey;
  if (!SORTS.includes(sort)) throw usageError(`--sort ${JSON.stringify(opts.sort)} is not a sort key`, `use one of: ${SORTS.join(', ')}`);
  let limit: number | null = null;
  if (opts.limit !== undefined) {
    if (!/^\d+$/.test(opts.limit.trim())) throw usageError(`--limit ${JSON.stringify(opts.limit)} is not a number`, 'give a whole number (0 = no limit)');
    limit = Number(opts.limit) || null;
  } else if (format === 'table') {
    limit = TABLE_DEFAULT_LIMIT;
  }
  let dueWithinMs: number | undefined;
  if (opts.dueWithin !== undefined) {
    const { parseDuration } = await import('../config/duration.js');
    try {
      dueWithinMs = parseDuration(opts.dueWithin) * 60_000;
    } catch (e) {
      throw usageError(`--due-within ${(e as Error).message}`, 'e.g. --due-within 2h');
    }
  }
  if (!opts.all && (opts.since !== undefined || opts.until !== undefined)) {
    throw usageError('--since and --until select the creation window of --all', 'add --all (sla list --all --since 2026-11-01)');
  }
  const now = await ctx.now();
  const filter: ListFilter = { status, metric, priority, tier: opts.tier, assignee: opts.assignee, unassigned: Boolean(opts.unassigned), dueWithinMs };
  const store = await ctx.store();
  const q = await import('../store/sqlite/queries.js');
  // As of an --at in the past, a ticket shows the assignee it had then (a later assign event is not yet).
  const past = ctx.globals.at !== undefined;
  const evalRec = (rec: TicketRecord): Evaluated => {
    const r = past ? { ...rec, ticket: { ...rec.ticket, assignee: assigneeAt(rec.ticket.assignee, rec.events, now) } } : rec;
    return { rec: r, clock: clockAt(config, ctx.calendarSync, r.ticket, r.events, now) };
  };

  // Rows are produced lazily (a chunk of tickets at a time) so exports of any size run in bounded memory.
  let rows: Iterable<Evaluated>;
  let totalOf: () => number;
  let drainForTotal = false;
  if (opts.all) {
    const since = opts.since !== undefined ? await ctx.parseTime(opts.since, zone, '--since') : null;
    const until = opts.until !== undefined ? await ctx.parseTime(opts.until, zone, '--until') : null;
    const created = (function* () {
      for (const page of q.listCreated(store, since, until, { ...filter, priority: undefined })) {
        for (const rec of page) if (rec.ticket.createdAt <= now) yield evalRec(rec);
      }
    })();
    ({ rows, total: totalOf } = counted(created, (e) => matches(e, filter, now, false)));
    drainForTotal = true;
  } else {
    if (past && (filter.assignee !== undefined || filter.unassigned)) {
      // the stored assignee is today's: the filter is applied to the assignee as of --at, after the SQL
      const stream = openStream(q, store, { ...filter, assignee: undefined, unassigned: false, now, sort, limit: null, priorities: config.priorities }, evalRec);
      ({ rows, total: totalOf } = counted(stream.rows, (e) => matches(e, filter, now, true)));
      drainForTotal = true;
    } else {
      const stream = openStream(q, store, { ...filter, now, sort, limit, priorities: config.priorities }, evalRec);
      rows = stream.rows;
      totalOf = stream.total;
    }
  }

  if (format !== 'table') {
    // streamed (a list can be every ticket); the CSV is the flat export (CSV_HEADER), the JSON the ticket JSON
    const { csvLine } = await import('../render/csv.js');
    const json = (e: Evaluated): string => JSON.stringify({ ...ticketJson(e.rec.ticket, e.clock), breachReasons: e.rec.breachReasons });
    let buf = format === 'json' ? '[' : format === 'csv' ? csvLine(CSV_HEADER, true) : '';
    let n = 0;
    for (const e of take(rows, limit)) {
      buf += format === 'json' ? (n ? ',' : '') + json(e) : format === 'ndjson' ? `${json(e)}\n` : csvLine(csvRow(e), true);
      if (++n % 500 === 0) { ctx.stdout.write(buf); buf = ''; }
    }
    ctx.stdout.write(format === 'json' ? buf + ']\n' : buf);
    return 0;
  }
  const shown = [...take(rows, limit)];
  if (drainForTotal) for (const _ of rows) { /* count the rest for the footer */ }
  const total = totalOf();
  const { fitColumn, makeChalk, renderTable } = await import('../render/table.js');
  const chalk = makeChalk(ctx.color);
  const paint = (s: string | null, text: string): string =>
    s === 'breached' ? chalk.red(text) : s === 'at_risk' ? chalk.yellow(text) : s === 'paused' ? chalk.dim(text) : text;
  const what = opts.all
    ? `Tickets created ${opts.since ? `from ${opts.since} ` : ''}${opts.until ? `until ${opts.until} ` : ''}(as of ${localTime(now, zone)})`
    : `Open tickets as of ${localTime(now, zone)}`;
  if (!ctx.globals.quiet) ctx.out(`${what} — times in ${zone}`);
  if (shown.length === 0) {
    ctx.out('no tickets match');
    return 0;
  }
  // Dates without the year while every one shown is in the year of `now`; else with it.
  const year = localTime(now, zone).slice(0, 4);
  const withYear = !shown.every((e) => shownInstants(e, opts.all === true, metric).every((t) => localTime(t, zone).slice(0, 4) === year));
  const when = (t: Instant | null): string => shortTime(t, zone, withYear);
  if (opts.all) {
    const rows = shown.map((e) => [
      e.rec.ticket.id, when(e.rec.ticket.createdAt), e.clock.priority ?? '',
      metricCell(e.clock.metrics.first_response, when, firstResponseMinutes(e.clock) === null),
      metricCell(e.clock.metrics.resolution, when),
      paint(e.clock.slaStatus, e.clock.slaStatus ?? 'no SLA'),
    ]);
    ctx.out(renderTable(['ID', 'Created', 'Pri', METRIC.first_response.label, METRIC.resolution.label, 'SLA'], rows, ctx.color));
  } else {
    const rows = shown.map((e) => {
      const m = nextMetric(e.clock, metric);
      const sla = metric ? e.clock.metrics[metric]?.status ?? null : e.clock.slaStatus;
      const due = m ? (m.dueAt !== null ? `${when(m.dueAt)} ${METRIC[m.metric].short}` : 'paused') : '—';
      const left = m ? formatDuration(m.remaining) : '';
      const cells = [
        e.rec.ticket.id, e.clock.priority ?? '', sla ?? 'no SLA', due, left,
        clip(e.rec.ticket.assignee ?? '—', 12), e.rec.ticket.subject ?? '',
      ];
      return cells;
    });
    const head = ['ID', 'Pri', 'SLA', 'Next due', 'Left', 'Assignee', 'Subject'];
    fitColumn(head, rows, head.length - 1, ctx.width);
    ctx.out(renderTable(head, rows.map((r) => r.map((c, i) => (i === 2 ? paint(String(c), String(c)) : c))), ctx.color));
  }
  if (shown.length < total && !ctx.globals.quiet) {
    ctx.out(`${shown.length} of ${total} tickets shown — use --limit N (0 = all) or --format csv for the rest`);
  }
  return 0;
}

// ----------------------------------------------------------------------------- the exact filter and order (the SQL's twin)

/**
 * Open tickets at q.now, in the list's order, lazily: the ids the SQL selects on
 * the stored instants (read and evaluated a chunk at a time), merged with the
 * stale rows the clock evaluates. `total()` is exact once the rows are read.
 */
export function openStream(
  tq: typeof import('../store/sqlite/queries.js'),
  store: Store,
  query: ListQuery,
  evalRec: (r: TicketRecord) => Evaluated,
  chunk = 1000,
): { rows: Generator<Evaluated>; total: () => number } {
  const cmp = comparator(query);
  const { ids, total: fastTotal } = tq.listOpenIds(store, query);
  const stale = tq.staleOpen(store, query).map(evalRec).filter((e) => matches(e, query, query.now, true)).sort(cmp);
  let dropped = 0;
  function* rows(): Generator<Evaluated> {
    let si = 0;
    for (let i = 0; i < ids.length; i += chunk) {
      for (const rec of tq.recordsByIds(store, ids.slice(i, i + chunk))) {
        const e = evalRec(rec);
        // The SQL and the clock agree (tested); this guards the page all the same.
        if (!matches(e, query, query.now, true)) { dropped++; continue; }
        while (si < stale.length && cmp(stale[si], e) < 0) yield stale[si++];
        yield e;
      }
    }
    while (si < stale.length) yield stale[si++];
  }
  return { rows: rows(), total: () => fastTotal - dropped + stale.length };
}

/** openStream, read into an array (at most query.limit rows). */
export function selectOpen(
  tq: typeof import('../store/sqlite/queries.js'),
  store: Store,
  query: ListQuery,
  evalRec: (r: TicketRecord) => Evaluated,
): { shown: Evaluated[]; total: number } {
  const s = openStream(tq, store, query, evalRec);
  const shown = [...take(s.rows, query.limit)];
  return { shown, total: s.total() };
}

/** The items of `it` that `keep` keeps, lazily; `total()`: how many so far (all, once read to the end). */
function counted<T>(it: Iterable<T>, keep: (t: T) => boolean): { rows: Generator<T>; total: () => number } {
  let n = 0;
  const rows = (function* () {
    for (const t of it) {
      if (!keep(t)) continue;
      n++;
      yield t;
    }
  })();
  return { rows, total: () => n };
}

/** The first n of `it` (all when n is null), leaving `it` open so the rest can still be read. */
function* take<T>(it: Iterable<T>, n: number | null): Generator<T> {
  const iter = it[Symbol.iterator]();
  for (let k = 0; n === null || k < n; k++) {
    const r = iter.next();
    if (r.done) return;
    yield r.value;
  }
}

const runningDue = (m: MetricState | null): Instant | null => (m && m.stoppedAt === null ? m.dueAt : null);

function least(a: Instant | null, b: Instant | null): Instant | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

function statusOf(clock: TicketClock, metric: Metric | undefined): string | null {
  return metric ? clock.metrics[metric]?.status ?? null : clock.slaStatus;
}

function dueOf(clock: TicketClock, metric: Metric | undefined): Instant | null {
  if (metric) return runningDue(clock.metrics[metric]);
  return least(runningDue(clock.metrics.first_response), runningDue(clock.metrics.resolution));
}

/** The metric whose deadline a row shows: the asked one, else the running one due first, else resolution. */
function nextMetric(clock: TicketClock, metric: Metric | undefined): MetricState | null {
  if (metric) return clock.metrics[metric];
  const fr = clock.metrics.first_response;
  const res = clock.metrics.resolution;
  const frDue = runningDue(fr);
  const resDue = runningDue(res);
  if (frDue !== null && (resDue === null || frDue <= resDue)) return fr;
  if (res && res.stoppedAt === null) return res;
  if (fr && fr.stoppedAt === null) return fr;
  return res ?? fr;
}

const lower = (s: string | null | undefined): string => (s ?? '').toLowerCase();

/** Whether an evaluated ticket passes the filter at `now` (`open`: only tickets open at `now`). */
export function matches(e: Evaluated, f: ListFilter, now: Instant, open: boolean): boolean {
  const t = e.rec.ticket;
  const c = e.clock;
  if (t.createdAt > now) return false;
  if (open && DONE_STATUSES.has(c.status)) return false;
  if (f.priority !== undefined && c.priority !== f.priority) return false;
  if (f.tier !== undefined && lower(t.tier) !== lower(f.tier)) return false;
  if (f.assignee !== undefined && lower(t.assignee) !== lower(f.assignee)) return false;
  if (f.unassigned && t.assignee) return false;
  if (f.status !== undefined && statusOf(c, f.metric) !== f.status) return false;
  if (f.dueWithinMs !== undefined) {
    const within = (m: MetricState | null): boolean => {
      const d = runningDue(m);
      return d !== null && d >= now && d <= now + f.dueWithinMs!;
    };
    const ok = f.metric ? within(c.metrics[f.metric]) : within(c.metrics.first_response) || within(c.metrics.resolution);
    if (!ok) return false;
  }
  return true;
}

/** The list's order: the same as the SQL's ORDER BY in store/sqlite/queries.ts. */
export function comparator(q: ListQuery): (a: Evaluated, b: Evaluated) => number {
  const byCreated = (a: Evaluated, b: Evaluated): number =>
    a.rec.ticket.createdAt - b.rec.ticket.createdAt || (a.rec.ticket.id < b.rec.ticket.id ? -1 : a.rec.ticket.id > b.rec.ticket.id ? 1 : 0);
  const byDue = (a: Evaluated, b: Evaluated): number => {
    const ba = statusOf(a.clock, q.metric) === 'breached' ? 0 : 1;
    const bb = statusOf(b.clock, q.metric) === 'breached' ? 0 : 1;
    if (ba !== bb) return ba - bb;
    const da = dueOf(a.clock, q.metric);
    const db = dueOf(b.clock, q.metric);
    if (da === null || db === null) {
      if (da !== db) return da === null ? 1 : -1;
    } else if (da !== db) {
      return da - db;
    }
    return byCreated(a, b);
  };
  if (q.sort === 'created') return byCreated;
  if (q.sort === 'priority') {
    const rank = (e: Evaluated): number => {
      const p = e.rec.ticket.priority;
      const i = p === null ? -1 : q.priorities.indexOf(p);
      return i < 0 ? q.priorities.length : i;
    };
    return (a, b) => rank(a) - rank(b) || byDue(a, b);
  }
  return byDue;
}

// ----------------------------------------------------------------------------- rendering

/** "2025-11-03 07:30 EST" → "11-03 07:30", or "2025-11-03 07:30" with the year. */
function shortTime(t: Instant | null, zone: string, withYear = false): string {
  if (t === null) return '—';
  return localTime(t, zone).slice(withYear ? 0 : 5, 16);
}

/** The instants a table row shows as dates (created, due and overdue instants). */
function shownInstants(e: Evaluated, all: boolean, metric: Metric | undefined): Instant[] {
  const out: Instant[] = [];
  const add = (m: MetricState | null): void => {
    if (m && m.stoppedAt === null && m.dueAt !== null) out.push(m.dueAt);
  };
  if (all) {
    out.push(e.rec.ticket.createdAt);
    add(e.clock.metrics.first_response);
    add(e.clock.metrics.resolution);
  } else {
    const m = nextMetric(e.clock, metric);
    if (m && m.dueAt !== null) out.push(m.dueAt);
  }
  return out;
}

/**
 * One clock in a few words: "met 30m", "missed 1h 05m", "met, no reply" (a first
 * response clock stopped by the resolution), "due 11-05 10:00", "over 11-04 11:00", "paused".
 */
function metricCell(m: MetricState | null, when: (t: Instant | null) => string, noReply = false): string {
  if (!m) return '—';
  if (m.stoppedAt !== null) return `${m.met ? 'met' : 'missed'}${noReply ? ', no reply' : ` ${formatDuration(m.elapsed)}`}`;
  if (m.status === 'breached') return `over ${when(m.dueAt)}`;
  if (m.dueAt === null) return 'paused';
  return `due ${when(m.dueAt)}`;
}

const CSV_HEADER = [
  'id', 'subject', 'customer', 'tier', 'priority', 'status', 'assignee', 'group', 'created_at', 'policy', 'calendar',
  'sla_status', 'first_response_status', 'first_response_due', 'first_response_at', 'first_response_minutes',
  'first_response_met', 'resolution_status', 'resolution_due', 'resolved_at', 'resolution_elapsed_minutes',
  'resolution_remaining_minutes', 'resolution_percent', 'resolution_met', 'breached_at', 'paused_at', 'paused_minutes',
  'first_response_breach_reason', 'resolution_breach_reason',
];

function csvRow(e: Evaluated): unknown[] {
  const t: Ticket = e.rec.ticket;
  const c = e.clock;
  const fr = c.metrics.first_response;
  const res = c.metrics.resolution;
  const breaches = [fr?.breachedAt ?? null, res?.breachedAt ?? null].filter((x): x is number => x !== null);
  return [
    t.id, t.subject, t.customer, t.tier, c.priority, c.status, t.assignee, t.group, isoUtc(t.createdAt),
    c.assignment?.policy ?? null, c.assignment?.calendar ?? null, c.slaStatus,
    fr?.status ?? null, isoUtc(fr?.dueAt), isoUtc(c.firstResponseAt), firstResponseMinutes(c),
    fr?.met ?? null, res?.status ?? null, isoUtc(res?.dueAt), isoUtc(c.resolvedAt), res ? minutes(res.elapsed) : null,
    res ? minutes(res.remaining) : null, res?.percent ?? null, res?.met ?? null,
    isoUtc(breaches.length ? Math.min(...breaches) : null), isoUtc(c.pausedAt), minutes(c.totalPausedMs / 60_000),
    e.rec.breachReasons.first_response, e.rec.breachReasons.resolution,
  ];
}
