// Each metric's columns in the tickets table, named from the metric table's column prefix
// (`fr_due_at`, `target_res_min`, `res_breach_reason` …): the row codec, the report's SQL and
// its TEMP table read them from here, so a new metric's columns come from its table row
// (and its migration), not from edits to every statement.

import { METRIC, METRICS, type Metric, type MetricNames } from '../domain/metrics.js';
import type { StoredMetric } from '../domain/ticket.js';

/** A metric's column prefix (`fr`, `res`). */
export type MetricColumn = MetricNames['column'];

/** The columns of a metric's stored clock, in the tickets table's order, and what each holds. */
export const STATE_SUFFIXES = ['status', 'at_risk_at', 'due_at', 'stopped_at', 'elapsed_min'] as const;
export type StateSuffix = (typeof STATE_SUFFIXES)[number];
const STATE_FIELD: { readonly [S in StateSuffix]: keyof StoredMetric } = {
  status: 'status', at_risk_at: 'atRiskAt', due_at: 'dueAt', stopped_at: 'stoppedAt', elapsed_min: 'elapsedMin',
};

/** `<prefix>_<suffix>` of metric `m`. */
export function metricColumn<S extends string>(m: Metric, suffix: S): `${MetricColumn}_${S}` {
  return `${METRIC[m].column}_${suffix}`;
}

/** The column of metric `m`'s target minutes (`target_fr_min`). */
export function targetColumn(m: Metric): `target_${MetricColumn}_min` {
  return `target_${METRIC[m].column}_min`;
}

/** Every metric's stored-clock columns, metric by metric (fr_status … res_elapsed_min). */
export const STATE_COLUMNS: readonly string[] = METRICS.flatMap((m) => STATE_SUFFIXES.map((s) => metricColumn(m, s)));

/** A stored metric's value for the column `suffix`. */
export function stateValue(s: StoredMetric, suffix: StateSuffix): string | number | null {
  return s[STATE_FIELD[suffix]];
}

/** A row's target columns (`target_fr_min` …). */
export type TargetColumns = { [C in MetricColumn as `target_${C}_min`]: number | null };
/** A row's stored clocks (`fr_status`, `fr_due_at` …). */
export type StateColumns = { [C in MetricColumn as `${C}_status`]: string | null }
  & { [C in MetricColumn as `${C}_at_risk_at` | `${C}_due_at` | `${C}_stopped_at` | `${C}_elapsed_min`]: number | null };
/** A row's recorded breach reasons (`fr_breach_reason` …). */
export type BreachReasonColumns = { [C in MetricColumn as `${C}_breach_reason`]: string | null };
