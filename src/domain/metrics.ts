// The SLA metrics and every name each goes by, in one table: the domain's objects and JSON
// (key), the tickets table's columns (column: fr_due_at, res_status …), the SLA events
// (event: response_warning, resolution_breached), and what people read and type. Renderers,
// queries, alerts and CSV headers read it instead of spelling a metric themselves.

export const METRICS = ['first_response', 'resolution'] as const;
export type Metric = (typeof METRICS)[number];

export interface MetricNames {
  /** Its key in the domain's objects and in JSON (ComputedSla.firstResponse, targets.resolution). */
  readonly key: 'firstResponse' | 'resolution';
  /** The prefix of its columns in the tickets table. */
  readonly column: 'fr' | 'res';
  /** The prefix of its SLA events (`<event>_warning`, `<event>_breached`). */
  readonly event: 'response' | 'resolution';
  /** In a sentence: "first response overdue 2h". */
  readonly name: string;
  /** As a heading: "First response". */
  readonly label: string;
  /** In a list of targets: "response 2h, resolution 16h". */
  readonly brief: string;
  /** In a narrow column: "FR". */
  readonly short: string;
  /** What a user may type for it (its name first). */
  readonly aliases: readonly string[];
}

export const METRIC: { readonly [M in Metric]: MetricNames } = {
  first_response: {
    key: 'firstResponse', column: 'fr', event: 'response', name: 'first response', label: 'First response', brief: 'response', short: 'FR',
    aliases: ['first_response', 'response', 'fr'],
  },
  resolution: {
    key: 'resolution', column: 'res', event: 'resolution', name: 'resolution', label: 'Resolution', brief: 'resolution', short: 'Res',
    aliases: ['resolution', 'res'],
  },
};

/** The SLA events of the metrics' clocks: `<event>_warning` (at risk) and `<event>_breached`. */
export type MetricEventType = `${MetricNames['event']}_warning` | `${MetricNames['event']}_breached`;
export const METRIC_EVENT_TYPES: readonly MetricEventType[] =
  METRICS.flatMap((m) => [`${METRIC[m].event}_warning` as const, `${METRIC[m].event}_breached` as const]);

/**
 * The metrics, the later in the table first (resolution before first response): the order in
 * which a ticket-level answer picks one metric when several qualify — whose breach reason a
 * report groups by, which breach `sla reason` explains by default, which clock a row shows
 * when none runs to a deadline, and the order recalc's summary reads in.
 */
export const METRICS_LATER_FIRST: readonly Metric[] = [...METRICS].reverse();

/** The metrics' keys in the domain's objects and JSON (`firstResponse`, `resolution`). */
export type MetricKey = MetricNames['key'];

/** One T per metric, under its key: what reports and JSON carry for each metric. */
export type PerMetric<T> = { [K in MetricKey]: T };

/** One value per metric, made by `f` (in METRICS order: keys come out in that order in JSON). */
export function perMetric<T>(f: (m: Metric, key: MetricKey) => T): PerMetric<T> {
  const out = {} as PerMetric<T>;
  for (const m of METRICS) out[METRIC[m].key] = f(m, METRIC[m].key);
  return out;
}

/** One T per metric, under its name (`first_response`, `resolution`): what the clock and the stored state carry. */
export type ByMetric<T> = { [M in Metric]: T };

/** One value per metric, made by `f`, under the metric's name (in METRICS order). */
export function byMetric<T>(f: (m: Metric) => T): ByMetric<T> {
  const out = {} as ByMetric<T>;
  for (const m of METRICS) out[m] = f(m);
  return out;
}

/** The metric a user's word names (any case; `-` or a space for `_`), or null. */
export function metricNamed(word: string): Metric | null {
  const w = word.trim().toLowerCase().replace(/[- ]/g, '_');
  for (const m of METRICS) if (METRIC[m].aliases.includes(w)) return m;
  return null;
}
