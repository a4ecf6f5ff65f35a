// How `sla report` is shown: JSON (SPEC §7), CSV, and the terminal table (the Markdown form,
// render/markdown.ts, shares its lines). Pure text from a built Report; no store, no clock.

import { complianceBuckets, reportNotes, sparkline, type BucketUnit, type GroupField, type ReportGroup, type TimeStats } from '../domain/report.js';
import type { Report } from '../app/report.js';
import { METRIC, METRICS, perMetric, type MetricKey } from '../domain/metrics.js';
import { wrap } from './audit.js';
import { isoUtc, localTime } from './format.js';

/** A metric's JSON key as part of a longer name: `avgFirstResponseMinutes`. */
const inName = (k: MetricKey): string => k[0].toUpperCase() + k.slice(1);
/** The time statistics of a report's columns, by their names in JSON, CSV and tables. */
const STATS = [['avg', 'avgMinutes'], ['p50', 'p50Minutes'], ['p90', 'p90Minutes'], ['p95', 'p95Minutes']] as const;
/** A metric's counts in the report's columns. */
const COUNTS = ['met', 'breached', 'pending'] as const;

const WITH_TICKET_FIELD: Record<GroupField, string> = {
  priority: 'Priority', tier: 'Tier', policy: 'Policy', assignee: 'Assignee', group: 'Group', customer: 'Customer',
  breach_reason: 'Breach reason', day: 'Day',
};

// ---- JSON (SPEC §7) -----------------------------------------------------------

export const NONE = '(none)';
const keyName = (k: string | null): string => k ?? NONE;

const timesOf = (g: ReportGroup, k: MetricKey): TimeStats => g[`${k}Times`];

/** avgFirstResponseMinutes, avgResolutionMinutes, p50… (each statistic for every metric), then firstResponseMeasured, … */
function responseTimesJson(g: ReportGroup): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [name, stat] of STATS) for (const m of METRICS) out[`${name}${inName(METRIC[m].key)}Minutes`] = timesOf(g, METRIC[m].key)[stat];
  for (const m of METRICS) out[`${METRIC[m].key}Measured`] = timesOf(g, METRIC[m].key).count;
  return out;
}

function groupJson(g: ReportGroup) {
  return {
    tickets: g.tickets,
    ticketsWithoutSla: g.withoutSla,
    ...perMetric((_, k) => g[k]),
    open: g.open,
    unassignedOpen: g.unassignedOpen,
    urgentOpen: g.urgentOpen,
    breachedTickets: g.breachedTickets,
    escalations: g.escalations,
    pausedTickets: g.pausedTickets,
    pausedSharePercent: g.pausedSharePercent,
    statusCounts: g.statusCounts,
  };
}

export function groupObjectName(by: GroupField): string {
  return 'by' + by.split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

export function reportJson(r: Report) {
  const t = r.data.total;
  const groups: Record<string, ReturnType<typeof groupJson>> = {};
  const times: Record<string, ReturnType<typeof responseTimesJson>> = {};
  for (const g of r.data.groups) {
    groups[keyName(g.key)] = groupJson(g);
    times[keyName(g.key)] = responseTimesJson(g);
  }
  return {
    period: {
      from: isoUtc(r.window.from), to: isoUtc(r.window.to), days: r.window.dates.length,
      timezone: r.zone, asOf: isoUtc(r.now),
    },
    by: r.by,
    totalTickets: t.tickets,
    ticketsWithoutSla: t.withoutSla,
    complianceGoalPercent: r.goal,
    ...perMetric((_, k) => t[k]),
    [groupObjectName(r.by)]: groups,
    responseTimes: times,
    totalResponseTimes: responseTimesJson(t),
    statusCounts: t.statusCounts,
    open: t.open,
    unassignedOpen: t.unassignedOpen,
    urgentOpen: t.urgentOpen,
    breachedTickets: t.breachedTickets,
    escalations: t.escalations,
    pausedTickets: t.pausedTickets,
    pausedSharePercent: t.pausedSharePercent,
    formula: 'compliancePercent = met / (met + breached) * 100 (null when met + breached = 0); breached includes open tickets past due at asOf',
    percentiles: 'nearest-rank over stopped clocks, SLA-clock minutes; first response: answered tickets only (firstResponseMeasured)',
  };
}

// ---- CSV ----------------------------------------------------------------------

/** The columns after the group's name: per metric (its column prefix) its counts and compliance, then its times. */
export const CSV_COLUMNS: readonly string[] = [
  'tickets', 'tickets_without_sla',
  ...METRICS.flatMap((m) => [...COUNTS, 'compliance_percent'].map((c) => `${METRIC[m].column}_${c}`)),
  ...METRICS.flatMap((m) => STATS.map(([name]) => `${METRIC[m].column}_${name}_min`)),
  'open', 'unassigned_open', 'urgent_open',
  'open_on_time', 'open_at_risk', 'open_breached', 'open_paused',
  'breached_tickets', 'escalations', 'paused_tickets', 'paused_share_percent',
];

function csvValues(g: ReportGroup): Array<number | null> {
  return [
    g.tickets, g.withoutSla,
    ...METRICS.flatMap((m) => {
      const s = g[METRIC[m].key];
      return [s.met, s.breached, s.pending, s.compliancePercent];
    }),
    ...METRICS.flatMap((m) => STATS.map(([, stat]) => timesOf(g, METRIC[m].key)[stat])),
    g.open, g.unassignedOpen, g.urgentOpen,
    g.statusCounts.on_time, g.statusCounts.at_risk, g.statusCounts.breached, g.statusCounts.paused,
    g.breachedTickets, g.escalations, g.pausedTickets, g.pausedSharePercent,
  ];
}

const camel = (snake: string): string => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * The report as rows (csv, ndjson): one per group, then TOTAL; the group's name under the
 * grouping (`priority`, `breachReason` …), then CSV_COLUMNS. In CSV the keys are snake_case.
 */
export function reportRows(r: Report): { rows: Array<Record<string, unknown>>; keys: string[] } {
  const keys = [camel(r.by), ...CSV_COLUMNS.map(camel)];
  const row = (name: string, g: ReportGroup) => Object.fromEntries([name, ...csvValues(g)].map((v, i) => [keys[i], v]));
  const rows = r.data.groups.map((g) => row(keyName(g.key), g));
  rows.push(row('TOTAL', r.data.total));
  return { rows, keys };
}

// ---- table --------------------------------------------------------------------

export function periodLine(r: Report): string {
  const first = r.window.dates[0];
  const last = r.window.dates[r.window.dates.length - 1];
  const n = r.window.dates.length;
  return `SLA report · ${first === last ? first : `${first} → ${last}`} (${n} day${n === 1 ? '' : 's'}, ${r.zone}) · as of ${localTime(r.now, r.zone)} · by ${r.by.replace('_', ' ')}`;
}

export function groupLabel(by: GroupField, k: string | null): string {
  if (k !== null) return k;
  return by === 'assignee' ? '(unassigned)' : NONE;
}

const BUCKET_LABEL: Record<BucketUnit, string> = {
  day: 'Daily', week: 'Weekly', month: 'Monthly', quarter: 'Quarterly', year: 'Yearly',
};

/**
 * The compliance sparklines, one line: a character per day, or per week (Monday to
 * Sunday), month, quarter or year when the window has more than SPARKLINE_MAX_BUCKETS
 * days (weeks, …), so that it stays within 80 columns; the label names the bucket.
 */
export function dailyLine(r: Report, pct: (v: number | null) => string): string[] {
  const d = r.data.daily;
  if (!d.length) return [];
  const { unit, buckets } = complianceBuckets(r.window.dates, d);
  const lines = METRICS.map((m) => {
    const k = METRIC[m].key;
    return `${METRIC[m].short} ${sparkline(buckets.map((x) => x[k].compliancePercent))} ${pct(r.data.total[k].compliancePercent)}`;
  });
  return [`${BUCKET_LABEL[unit]} compliance  ${lines.join('  ')}`];
}

/** Groups shown in a terminal table (the biggest first); CSV, JSON and Markdown list all. */
export const TABLE_MAX_GROUPS = 40;

/** The report for a terminal `width` characters wide: each table is cut by columns to fit it. */
export async function reportTable(r: Report, color: boolean, width = 80): Promise<string> {
  const [{ renderFitted, makeChalk }, { formatDuration }] = await Promise.all([import('./table.js'), import('./format.js')]);
  const chalk = makeChalk(color);
  const pctText = (v: number | null): string => (v === null ? '—' : `${v.toFixed(1)} %`);
  const pct = (v: number | null): string => {
    const s = pctText(v);
    if (v === null) return s;
    return v >= r.goal ? chalk.green(s) : chalk.red(s);
  };
  const dur = (m: number | null): string => (m === null ? '—' : formatDuration(m));
  const t = r.data.total;
  // A terminal table of thousands of customers helps nobody (and cli-table3 is slow at it).
  const shown = r.by === 'day' ? r.data.groups : r.data.groups.slice(0, TABLE_MAX_GROUPS);
  const hidden = r.data.groups.length - shown.length;
  const all = [...shown, t];
  const name = (g: ReportGroup): string => (g === t ? chalk.bold('TOTAL') : groupLabel(r.by, g.key));
  const head = WITH_TICKET_FIELD[r.by];
  const out: string[] = [];
  // Prose lines wrap at the width too.
  const say = (text: string): number => out.push(wrap('', text, width));
  say(periodLine(r));
  say(
    `${t.tickets} tickets · open ${t.open} (unassigned ${t.unassignedOpen}, ${r.urgentName} ${t.urgentOpen}) · ` +
      `breached tickets ${t.breachedTickets} · escalations ${t.escalations} · paused share ${pctText(t.pausedSharePercent)}`,
  );
  out.push(...dailyLine(r, pct));
  if (t.tickets === 0) {
    out.push('', 'No tickets were created in this window.');
    return out.join('\n');
  }
  out.push('');
  out.push(renderFitted(
    [head, 'Tickets', ...METRICS.flatMap((m) => [...COUNTS, 'compliance'].map((c) => `${METRIC[m].short} ${c}`)), 'Escalations'],
    all.map((g) => [
      name(g), g.tickets,
      ...METRICS.flatMap((m) => {
        const s = g[METRIC[m].key];
        return [s.met, s.breached, s.pending, pct(s.compliancePercent)];
      }),
      g.escalations,
    ]),
    color,
    width,
    [...METRICS.map((_, i) => 2 + 4 * i), 2 + 4 * METRICS.length], // each metric's four columns; escalations
  ));
  out.push('', 'Response times (SLA clock, stopped clocks)');
  out.push(renderFitted(
    [head, ...METRICS.flatMap((m) => STATS.map(([label]) => `${METRIC[m].short} ${label}`))],
    all.map((g) => [name(g), ...METRICS.flatMap((m) => STATS.map(([, stat]) => dur(timesOf(g, METRIC[m].key)[stat])))]),
    color,
    width,
    METRICS.map((_, i) => 1 + STATS.length * i),
  ));
  out.push('', 'Open tickets by SLA status');
  out.push(renderFitted(
    [head, 'Open', 'Unassigned', `${r.urgentName[0].toUpperCase()}${r.urgentName.slice(1)}`, 'On time', 'At risk', 'Breached', 'Paused', 'Paused share'],
    all.map((g) => [
      name(g), g.open, g.unassignedOpen, g.urgentOpen,
      g.statusCounts.on_time, color && g.statusCounts.at_risk ? chalk.yellow(g.statusCounts.at_risk) : g.statusCounts.at_risk,
      color && g.statusCounts.breached ? chalk.red(g.statusCounts.breached) : g.statusCounts.breached,
      color ? chalk.dim(g.statusCounts.paused) : g.statusCounts.paused, pctText(g.pausedSharePercent),
    ]),
    color,
    width,
  ));
  out.push('');
  if (r.reevaluated > 0) {
    out.push(chalk.dim(wrap('', `${r.reevaluated} ticket${r.reevaluated === 1 ? ' was' : 's were'} re-evaluated from ${r.reevaluated === 1 ? 'its' : 'their'} history as of ${localTime(r.now, r.zone)}.`, width)));
  }
  if (hidden > 0) {
    say(`… and ${hidden} more ${r.by.replace('_', ' ')} groups with fewer tickets, not shown (TOTAL counts them; --format csv or json lists every group).`);
  }
  for (const n of reportNotes(t.withoutSla)) out.push(chalk.dim(wrap('', n, width)));
  out.push(chalk.dim(wrap('', `Compliance goal ${r.goal} %: green at or above, red below.`, width)));
  return out.join('\n');
}

