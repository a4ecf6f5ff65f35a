// The open tickets (`sla list`): filtered in SQL on the stored instants, only the rows read
// are evaluated with the clock, merged with the tickets whose stored state cannot answer for
// now (evaluated by the clock); and `--all`, every ticket created in a window. Rows are
// produced lazily (a chunk of tickets at a time) so exports of any size run in bounded memory.

import type { MetricState, TicketClock } from '../domain/clock.js';
import { assigneeAt } from '../domain/ticket.js';
import { METRICS, METRICS_LATER_FIRST } from '../domain/metrics.js';
import { DONE_STATUSES, type Instant, type Metric } from '../domain/types.js';
import type { ListFilter, ListQuery, SortKey, TicketRecord, TicketStore } from '../store/port.js';
import type { Setup } from './setup.js';
import { clockAt } from './ticket-ops.js';

export interface Evaluated { rec: TicketRecord; clock: TicketClock }

export interface ListRequest {
  filter: ListFilter;
  sort: SortKey;
  /** At most this many rows in the list's order (null: all). */
  limit: number | null;
  /** Every ticket created in [since, until) instead of the open ones. */
  all: { since: Instant | null; until: Instant | null } | null;
  /** The command looks into the past (--at): a ticket shows the assignee it had then. */
  past: boolean;
}

/**
 * The rows of `sla list` at s.now, lazily, and how many there are: exact once `rows` has been
 * read to the end, or at once when `totalNeedsAllRows` is false.
 */
export async function listTickets(s: Setup, r: ListRequest): Promise<{ rows: AsyncGenerator<Evaluated>; total: () => number; totalNeedsAllRows: boolean }> {
  const { config, calendar, now, store } = s;
  const { filter, sort, limit } = r;
  const evalRec = (rec: TicketRecord): Evaluated => {
    const t = r.past ? { ...rec, ticket: { ...rec.ticket, assignee: assigneeAt(rec.ticket.assignee, rec.events, now) } } : rec;
    return { rec: t, clock: clockAt(config, calendar, t.ticket, t.events, now) };
  };
  if (r.all) {
    const { since, until } = r.all;
    const created = (async function* () {
      for await (const page of store.listCreated(since, until, { ...filter, priority: undefined })) {
        for (const rec of page) if (rec.ticket.createdAt <= now) yield evalRec(rec);
      }
    })();
    return { ...counted(created, (e) => matches(e, filter, now, false)), totalNeedsAllRows: true };
  }
  if (r.past && (filter.assignee !== undefined || filter.unassigned)) {
    // the stored assignee is today's: the filter is applied to the assignee as of --at, after the SQL
    const stream = await openStream(store, { ...filter, assignee: undefined, unassigned: false, now, sort, limit: null, priorities: config.priorities }, evalRec);
    return { ...counted(stream.rows, (e) => matches(e, filter, now, true)), totalNeedsAllRows: true };
  }
  return { ...(await openStream(store, { ...filter, now, sort, limit, priorities: config.priorities }, evalRec)), totalNeedsAllRows: false };
}

/**
 * Open tickets at q.now, in the list's order, lazily: the ids the SQL selects on
 * the stored instants (read and evaluated a chunk at a time), merged with the
 * stale rows the clock evaluates. `total()` is exact once the rows are read.
 */
export async function openStream(
  store: TicketStore,
  query: ListQuery,
  evalRec: (r: TicketRecord) => Evaluated,
  chunk = 1000,
): Promise<{ rows: AsyncGenerator<Evaluated>; total: () => number }> {
  const cmp = comparator(query);
  const { ids, total: fastTotal } = await store.listOpenIds(query);
  const stale = (await store.staleOpen(query)).map(evalRec).filter((e) => matches(e, query, query.now, true)).sort(cmp);
  let dropped = 0;
  async function* rows(): AsyncGenerator<Evaluated> {
    let si = 0;
    for (let i = 0; i < ids.length; i += chunk) {
      for (const rec of await store.recordsByIds(ids.slice(i, i + chunk))) {
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
export async function selectOpen(
  store: TicketStore,
  query: ListQuery,
  evalRec: (r: TicketRecord) => Evaluated,
): Promise<{ shown: Evaluated[]; total: number }> {
  const s = await openStream(store, query, evalRec);
  const shown = await firstOf(s.rows, query.limit);
  return { shown, total: s.total() };
}

/** The items of `it` that `keep` keeps, lazily; `total()`: how many so far (all, once read to the end). */
function counted<T>(it: AsyncIterable<T>, keep: (t: T) => boolean): { rows: AsyncGenerator<T>; total: () => number } {
  let n = 0;
  const rows = (async function* () {
    for await (const t of it) {
      if (!keep(t)) continue;
      n++;
      yield t;
    }
  })();
  return { rows, total: () => n };
}

/** The first n of `it` (all when n is null), leaving `it` open so the rest can still be read. */
export async function* take<T>(it: AsyncIterator<T>, n: number | null): AsyncGenerator<T> {
  for (let k = 0; n === null || k < n; k++) {
    const r = await it.next();
    if (r.done) return;
    yield r.value;
  }
}

/** The first n of `it` (all when n is null) in an array. */
export async function firstOf<T>(it: AsyncIterator<T>, n: number | null): Promise<T[]> {
  const out: T[] = [];
  for await (const x of take(it, n)) out.push(x);
  return out;
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
  return METRICS.map((m) => runningDue(clock.metrics[m])).reduce(least);
}

/**
 * The metric whose deadline a row shows: the asked one, else the running one due first
 * (a tie: the earlier in METRICS), else a running one without a deadline (paused), else
 * any — the later in METRICS first (resolution before first response).
 */
export function nextMetric(clock: TicketClock, metric: Metric | undefined): MetricState | null {
  if (metric) return clock.metrics[metric];
  let first: MetricState | null = null;
  let firstDue: Instant | null = null;
  for (const m of METRICS) {
    const due = runningDue(clock.metrics[m]);
    if (due !== null && (firstDue === null || due < firstDue)) { first = clock.metrics[m]; firstDue = due; }
  }
  if (first) return first;
  const later = METRICS_LATER_FIRST.map((m) => clock.metrics[m]);
  return later.find((s) => s !== null && s.stoppedAt === null) ?? later.find((s) => s !== null) ?? null;
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
    const ok = f.metric ? within(c.metrics[f.metric]) : METRICS.some((m) => within(c.metrics[m]));
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

