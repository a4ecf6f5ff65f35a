// The arithmetic of `sla report` (SPEC §7). Pure: the store hands over additive
// per-group aggregates (counted by SQL) and each group's stopped-clock times;
// this turns them into groups, a total, compliance, percentiles and a sparkline.
//
// Definitions (also printed under the report):
// - compliance % = met ÷ (met + breached) × 100, rounded to 0.1; null ("—") when
//   nothing has concluded (met + breached = 0) — never 0 % or 100 % by default.
// - breached includes clocks still running whose deadline has passed at `now`.
// - pending = clocks still running within target (paused ones included).
// - percentiles are nearest-rank: the p-th percentile of n sorted values is the
//   value at rank ⌈p/100 × n⌉ (1-based), so it is always an observed time.
// - paused share = wall-clock time paused while the resolution clock ran ÷
//   wall-clock lifetime (created → resolved, or → now while open), over tickets with an SLA.

import { METRIC, METRICS, perMetric, type MetricKey, type PerMetric } from './metrics.js';

export const GROUP_FIELDS = ['priority', 'tier', 'policy', 'assignee', 'group', 'customer', 'breach_reason', 'day'] as const;
export type GroupField = (typeof GROUP_FIELDS)[number];

export interface MetricCounts { met: number; breached: number; pending: number }
export interface MetricSummary extends MetricCounts { compliancePercent: number | null }
export interface StatusCounts { on_time: number; at_risk: number; breached: number; paused: number }

/** What SQL counts for one group (and one day, and one slice of the window): all additive. */
export interface GroupCounts extends PerMetric<MetricCounts> {
  tickets: number;
  /** Tickets without an SLA (no policy): counted in `tickets` only. */
  withoutSla: number;
  open: number;
  unassignedOpen: number;
  urgentOpen: number;
  /** Open tickets with an SLA, by their slaStatus at `now`. */
  statusCounts: StatusCounts;
  /** Tickets with at least one breached metric. */
  breachedTickets: number;
  /** Tickets whose resolution clock was ever paused. */
  pausedTickets: number;
  pausedMs: number;
  lifetimeMs: number;
  escalations: number;
}

/** One row of the store's answer: a group key, a day index, counts and stopped-clock times. */
export interface AggregateRow {
  key: string | null;
  day: number;
  counts: GroupCounts;
  /**
   * Per metric, the SLA-clock times of its stopped clocks, in hundredths of a minute (any
   * order); first response: clocks stopped by a response (a ticket never answered has none).
   */
  times: PerMetric<ArrayLike<number>>;
}

export interface TimeStats {
  /** Stopped clocks measured. */
  count: number;
  avgMinutes: number | null;
  p50Minutes: number | null;
  p90Minutes: number | null;
  p95Minutes: number | null;
}

/** Per metric, its time statistics under `<key>Times` (firstResponseTimes …). */
export type PerMetricTimes = { [K in MetricKey as `${K}Times`]: TimeStats };

export interface ReportGroup extends PerMetric<MetricSummary>, PerMetricTimes {
  key: string | null;
  tickets: number;
  withoutSla: number;
  open: number;
  unassignedOpen: number;
  urgentOpen: number;
  statusCounts: StatusCounts;
  breachedTickets: number;
  escalations: number;
  pausedTickets: number;
  pausedSharePercent: number | null;
}

export interface DailyCompliance extends PerMetric<MetricSummary> {
  day: number;
}

export interface ReportData {
  groups: ReportGroup[];
  total: ReportGroup;
  /** One entry per day index 0 … days-1 (only when daily rows were asked for). */
  daily: DailyCompliance[];
}

export function emptyCounts(): GroupCounts {
  return {
    tickets: 0, withoutSla: 0,
    ...perMetric(() => ({ met: 0, breached: 0, pending: 0 })),
    open: 0, unassignedOpen: 0, urgentOpen: 0,
    statusCounts: { on_time: 0, at_risk: 0, breached: 0, paused: 0 },
    breachedTickets: 0, pausedTickets: 0, pausedMs: 0, lifetimeMs: 0, escalations: 0,
  };
}

/** a += b (every field is additive). */
export function addCounts(a: GroupCounts, b: GroupCounts): GroupCounts {
  a.tickets += b.tickets;
  a.withoutSla += b.withoutSla;
  for (const metric of METRICS) {
    const m = METRIC[metric].key;
    a[m].met += b[m].met;
    a[m].breached += b[m].breached;
    a[m].pending += b[m].pending;
  }
  a.open += b.open;
  a.unassignedOpen += b.unassignedOpen;
  a.urgentOpen += b.urgentOpen;
  for (const s of ['on_time', 'at_risk', 'breached', 'paused'] as const) a.statusCounts[s] += b.statusCounts[s];
  a.breachedTickets += b.breachedTickets;
  a.pausedTickets += b.pausedTickets;
  a.pausedMs += b.pausedMs;
  a.lifetimeMs += b.lifetimeMs;
  a.escalations += b.escalations;
  return a;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const round2 = (x: number): number => Math.round(x * 100) / 100;

/** met ÷ (met + breached) × 100 to 0.1; null when nothing concluded. */
export function compliancePercent(met: number, breached: number): number | null {
  const concluded = met + breached;
  return concluded > 0 ? round1((met / concluded) * 100) : null;
}

export function metricSummary(c: MetricCounts): MetricSummary {
  return { met: c.met, breached: c.breached, pending: c.pending, compliancePercent: compliancePercent(c.met, c.breached) };
}

/**
 * Nearest-rank percentile of values sorted ascending: the value at rank ⌈p/100 × n⌉
 * (1-based; rank 1 for p = 0). null for no values.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is not within 0…100`);
  // p/100 × n computed as p × n / 100 so that 90 % of 10 is exactly rank 9.
  const rank = Math.max(1, Math.ceil((p * n) / 100));
  return sorted[rank - 1];
}

/**
 * Count, average and percentiles in minutes (2 decimals) of SLA-clock times given in
 * hundredths of a minute, sorted ascending.
 */
export function timeStats(sorted: ArrayLike<number>): TimeStats {
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const min = (x: number | null): number | null => (x === null ? null : round2(x / 100));
  return {
    count: n,
    avgMinutes: n ? min(sum / n) : null,
    p50Minutes: min(percentile(sorted, 50)),
    p90Minutes: min(percentile(sorted, 90)),
    p95Minutes: min(percentile(sorted, 95)),
  };
}

/** Paused wall-clock time ÷ lifetime × 100 to 0.1; null when there is no lifetime. */
export function pausedSharePercent(pausedMs: number, lifetimeMs: number): number | null {
  return lifetimeMs > 0 ? round1((pausedMs / lifetimeMs) * 100) : null;
}

const BARS = '▁▂▃▄▅▆▇█';

/**
 * One character per value on an absolute 0–100 % scale (▁ below 12.5 %, … █ from
 * 87.5 %), so sparklines of different reports compare; `·` for a day without data.
 */
export function sparkline(values: ReadonlyArray<number | null>): string {
  return values
    .map((v) => (v === null || !Number.isFinite(v) ? '·' : BARS[Math.min(7, Math.max(0, Math.floor(v / 12.5)))]))
    .join('');
}

export type BucketUnit = 'day' | 'week' | 'month' | 'quarter' | 'year';
const BUCKET_UNITS: readonly BucketUnit[] = ['day', 'week', 'month', 'quarter', 'year'];

/** At most this many buckets per sparkline, so that the compliance line stays one line within 80 columns. */
export const SPARKLINE_MAX_BUCKETS = 16;

export interface ComplianceBucket extends PerMetric<MetricSummary> {
  /** The first local date of the window in the bucket. */
  from: string;
}

/** The bucket of a local date (YYYY-MM-DD): weeks start on Monday (ISO), quarters in January. */
function bucketKey(date: string, unit: BucketUnit): string {
  switch (unit) {
    case 'day': return date;
    case 'month': return date.slice(0, 7);
    case 'quarter': return `${date.slice(0, 4)}-Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;
    case 'year': return date.slice(0, 4);
    case 'week': {
      const t = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
      const sinceMonday = (new Date(t).getUTCDay() + 6) % 7;
      return new Date(t - sinceMonday * 86_400_000).toISOString().slice(0, 10);
    }
  }
}

/**
 * Daily compliance added up into calendar buckets for a sparkline: the finest of day,
 * week (Monday to Sunday), month, quarter and year that gives at most `max` buckets
 * (years always do). `dates` are the window's local dates, `daily[i]` the counts of
 * dates[i]; the first and last buckets may be partial.
 */
export function complianceBuckets(
  dates: readonly string[], daily: readonly DailyCompliance[], max = SPARKLINE_MAX_BUCKETS,
): { unit: BucketUnit; buckets: ComplianceBucket[] } {
  let unit: BucketUnit = 'year';
  for (const u of BUCKET_UNITS) {
    let n = 0;
    let last: string | null = null;
    for (const d of dates) {
      const k = bucketKey(d, u);
      if (k !== last) { n++; last = k; }
      if (n > max) break;
    }
    if (n <= max) { unit = u; break; }
  }
  const out: Array<{ key: string; from: string; counts: PerMetric<MetricCounts> }> = [];
  const add = (a: MetricCounts, b: MetricCounts): void => { a.met += b.met; a.breached += b.breached; a.pending += b.pending; };
  for (let i = 0; i < dates.length; i++) {
    const key = bucketKey(dates[i], unit);
    let b = out[out.length - 1];
    if (!b || b.key !== key) {
      b = { key, from: dates[i], counts: perMetric(() => ({ met: 0, breached: 0, pending: 0 })) };
      out.push(b);
    }
    const d = daily[i];
    if (d) for (const m of METRICS) add(b.counts[METRIC[m].key], d[METRIC[m].key]);
  }
  return { unit, buckets: out.map((b) => ({ from: b.from, ...perMetric((_, k) => metricSummary(b.counts[k])) })) };
}

/** The values of all parts, sorted ascending (hundredths of a minute fit 32 bits: 81 years). */
export function sortedTimes(parts: ReadonlyArray<ArrayLike<number>>): Uint32Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint32Array(n);
  let i = 0;
  for (const p of parts) {
    if (p instanceof Uint32Array) out.set(p, i);
    else for (let j = 0; j < p.length; j++) out[i + j] = p[j];
    i += p.length;
  }
  return out.sort(); // typed arrays sort numerically
}

/** Merge arrays that are each sorted ascending (pairwise, so k arrays cost log2 k linear passes). */
export function mergeSorted(arrays: ReadonlyArray<Uint32Array>): Uint32Array {
  let level = arrays.filter((a) => a.length > 0);
  if (level.length === 0) return new Uint32Array(0);
  while (level.length > 1) {
    const next: Uint32Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const a = level[i];
      const b = level[i + 1];
      if (!b) { next.push(a); continue; }
      const out = new Uint32Array(a.length + b.length);
      let x = 0, y = 0, k = 0;
      while (x < a.length && y < b.length) out[k++] = a[x] <= b[y] ? a[x++] : b[y++];
      while (x < a.length) out[k++] = a[x++];
      while (y < b.length) out[k++] = b[y++];
      next.push(out);
    }
    level = next;
  }
  return level[0];
}

/** Per metric, its time statistics under `<key>Times`. */
function timesOf(times: PerMetric<Uint32Array>): PerMetricTimes {
  const out = {} as PerMetricTimes;
  for (const m of METRICS) out[`${METRIC[m].key}Times`] = timeStats(times[METRIC[m].key]);
  return out;
}

function group(key: string | null, c: GroupCounts, times: PerMetric<Uint32Array>): ReportGroup {
  return {
    key,
    tickets: c.tickets,
    withoutSla: c.withoutSla,
    ...perMetric((_, k) => metricSummary(c[k])),
    ...timesOf(times),
    open: c.open,
    unassignedOpen: c.unassignedOpen,
    urgentOpen: c.urgentOpen,
    statusCounts: { ...c.statusCounts },
    breachedTickets: c.breachedTickets,
    escalations: c.escalations,
    pausedTickets: c.pausedTickets,
    pausedSharePercent: pausedSharePercent(c.pausedMs, c.lifetimeMs),
  };
}

export interface AssembleOptions {
  /** Keys that must appear even without tickets, in this order (e.g. config priorities, every day). */
  keys?: ReadonlyArray<string | null>;
  /** 'order': keys first in the given order, then others by tickets desc; 'volume': by tickets desc, then key. */
  order: 'order' | 'volume';
  /** Number of days in the window, for daily compliance (0 = none asked for). */
  days: number;
}

/**
 * Groups, total and daily compliance from the store's rows (which may be split by
 * day and by slices of the window: rows with the same key are added up).
 */
export function assembleReport(rows: readonly AggregateRow[], opts: AssembleOptions): ReportData {
  const byKey = new Map<string | null, { counts: GroupCounts; times: PerMetric<ArrayLike<number>[]> }>();
  const slot = (k: string | null) => {
    let s = byKey.get(k);
    if (!s) { s = { counts: emptyCounts(), times: perMetric(() => []) }; byKey.set(k, s); }
    return s;
  };
  for (const k of opts.keys ?? []) slot(k);
  const days = Array.from({ length: opts.days }, () => emptyCounts());
  const total = emptyCounts();
  for (const r of rows) {
    const s = slot(r.key);
    addCounts(s.counts, r.counts);
    addCounts(total, r.counts);
    for (const m of METRICS) {
      const t = r.times[METRIC[m].key];
      if (t.length) s.times[METRIC[m].key].push(t);
    }
    if (opts.days && r.day >= 0 && r.day < opts.days) addCounts(days[r.day], r.counts);
  }
  const given = new Map((opts.keys ?? []).map((k, i) => [k, i]));
  const entries = [...byKey.entries()].sort(([ka, a], [kb, b]) => {
    if (opts.order === 'order') {
      const ia = given.get(ka);
      const ib = given.get(kb);
      if (ia !== undefined || ib !== undefined) return (ia ?? Infinity) - (ib ?? Infinity);
    }
    if (b.counts.tickets !== a.counts.tickets) return b.counts.tickets - a.counts.tickets;
    if (ka === null) return 1;
    if (kb === null) return -1;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const groups = entries.map(([k, s]) => ({ k, counts: s.counts, times: perMetric((_, key) => sortedTimes(s.times[key])) }));
  return {
    groups: groups.map((g) => group(g.k, g.counts, g.times)),
    total: group(null, total, perMetric((_, key) => mergeSorted(groups.map((g) => g.times[key])))),
    daily: days.map((c, day) => ({ day, ...perMetric((_, k) => metricSummary(c[k])) })),
  };
}

/** The formula and definitions, as printed under every report. */
export function reportNotes(withoutSla: number, percentileNote = true): string[] {
  const notes = [
    'Compliance % = met ÷ (met + breached) × 100. Breached includes open tickets already past due; pending = still within target (paused included); — = nothing concluded yet.',
  ];
  if (percentileNote) {
    notes.push('Times are SLA-clock minutes of stopped clocks (first response: answered tickets only); p50/p90/p95 are nearest-rank percentiles. Paused share = time paused ÷ ticket lifetime (tickets with an SLA).');
  }
  if (withoutSla > 0) {
    notes.push(`${withoutSla} ticket${withoutSla === 1 ? '' : 's'} without an SLA policy ${withoutSla === 1 ? 'is' : 'are'} counted in Tickets only, not in met/breached/pending.`);
  }
  return notes;
}
