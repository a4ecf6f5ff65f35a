// How `sla report` is shown: JSON (SPEC §7), CSV, and the terminal table (the Markdown form,
// render/markdown.ts, shares its lines). Pure text from a built Report; no store, no clock.

import { complianceBuckets, reportNotes, sparkline, type BucketUnit, type GroupField, type ReportGroup, type TimeStats } from '../domain/report.js';
import type { Report } from '../app/report.js';
import { isoUtc, localTime } from './format.js';

const WITH_TICKET_FIELD: Record<GroupField, string> = {
  priority: 'Priority', tier: 'Tier', policy: 'Policy', assignee: 'Assignee', group: 'Group', customer: 'Customer',
  breach_reason: 'Breach reason', day: 'Day',
};

// ---- JSON (SPEC §7) -----------------------------------------------------------

export const NONE = '(none)';
const keyName = (k: string | null): string => k ?? NONE;

function responseTimesJson(fr: TimeStats, res: TimeStats) {
  return {
    avgFirstResponseMinutes: fr.avgMinutes,
    avgResolutionMinutes: res.avgMinutes,
    p50FirstResponseMinutes: fr.p50Minutes,
    p50ResolutionMinutes: res.p50Minutes,
    p90FirstResponseMinutes: fr.p90Minutes,
    p90ResolutionMinutes: res.p90Minutes,
    p95FirstResponseMinutes: fr.p95Minutes,
    p95ResolutionMinutes: res.p95Minutes,
    firstResponseMeasured: fr.count,
    resolutionMeasured: res.count,
  };
}

function groupJson(g: ReportGroup) {
  return {
    tickets: g.tickets,
    ticketsWithoutSla: g.withoutSla,
    firstResponse: g.firstResponse,
    resolution: g.resolution,
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
    times[keyName(g.key)] = responseTimesJson(g.firstResponseTimes, g.resolutionTimes);
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
    firstResponse: t.firstResponse,
    resolution: t.resolution,
    [groupObjectName(r.by)]: groups,
    responseTimes: times,
    totalResponseTimes: responseTimesJson(t.firstResponseTimes, t.resolutionTimes),
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

export const CSV_COLUMNS = [
  'tickets', 'tickets_without_sla',
  'fr_met', 'fr_breached', 'fr_pending', 'fr_compliance_percent',
  'res_met', 'res_breached', 'res_pending', 'res_compliance_percent',
  'fr_avg_min', 'fr_p50_min', 'fr_p90_min', 'fr_p95_min',
  'res_avg_min', 'res_p50_min', 'res_p90_min', 'res_p95_min',
  'open', 'unassigned_open', 'urgent_open',
  'open_on_time', 'open_at_risk', 'open_breached', 'open_paused',
  'breached_tickets', 'escalations', 'paused_tickets', 'paused_share_percent',
] as const;

function csvValues(g: ReportGroup): Array<number | null> {
  const f = g.firstResponseTimes;
  const s = g.resolutionTimes;
  return [
    g.tickets, g.withoutSla,
    g.firstResponse.met, g.firstResponse.breached, g.firstResponse.pending, g.firstResponse.compliancePercent,
    g.resolution.met, g.resolution.breached, g.resolution.pending, g.resolution.compliancePercent,
    f.avgMinutes, f.p50Minutes, f.p90Minutes, f.p95Minutes,
    s.avgMinutes, s.p50Minutes, s.p90Minutes, s.p95Minutes,
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
  const fr = buckets.map((x) => x.firstResponse.compliancePercent);
  const res = buckets.map((x) => x.resolution.compliancePercent);
  return [
    `${BUCKET_LABEL[unit]} compliance  FR ${sparkline(fr)} ${pct(r.data.total.firstResponse.compliancePercent)}` +
      `  Res ${sparkline(res)} ${pct(r.data.total.resolution.compliancePercent)}`,
  ];
}

/** Groups shown in a terminal table (the biggest first); CSV, JSON and Markdown list all. */
export const TABLE_MAX_GROUPS = 40;

export async function reportTable(r: Report, color: boolean): Promise<string> {
  const [{ renderTable, makeChalk }, { formatDuration }] = await Promise.all([import('./table.js'), import('./format.js')]);
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
  out.push(periodLine(r));
  out.push(
    `${t.tickets} tickets · open ${t.open} (unassigned ${t.unassignedOpen}, ${r.urgentName} ${t.urgentOpen}) · ` +
      `breached tickets ${t.breachedTickets} · escalations ${t.escalations} · paused share ${pctText(t.pausedSharePercent)}`,
  );
  out.push(...dailyLine(r, pct));
  if (t.tickets === 0) {
    out.push('', 'No tickets were created in this window.');
    return out.join('\n');
  }
  out.push('');
  out.push(renderTable(
    [head, 'Tickets', 'FR met', 'FR breached', 'FR pending', 'FR compliance', 'Res met', 'Res breached', 'Res pending', 'Res compliance', 'Escalations'],
    all.map((g) => [
      name(g), g.tickets,
      g.firstResponse.met, g.firstResponse.breached, g.firstResponse.pending, pct(g.firstResponse.compliancePercent),
      g.resolution.met, g.resolution.breached, g.resolution.pending, pct(g.resolution.compliancePercent),
      g.escalations,
    ]),
    color,
  ));
  out.push('', 'Response times (SLA clock, stopped clocks)');
  out.push(renderTable(
    [head, 'FR avg', 'FR p50', 'FR p90', 'FR p95', 'Res avg', 'Res p50', 'Res p90', 'Res p95'],
    all.map((g) => {
      const f = g.firstResponseTimes;
      const s = g.resolutionTimes;
      return [name(g), dur(f.avgMinutes), dur(f.p50Minutes), dur(f.p90Minutes), dur(f.p95Minutes),
        dur(s.avgMinutes), dur(s.p50Minutes), dur(s.p90Minutes), dur(s.p95Minutes)];
    }),
    color,
  ));
  out.push('', 'Open tickets by SLA status');
  out.push(renderTable(
    [head, 'Open', 'Unassigned', `${r.urgentName[0].toUpperCase()}${r.urgentName.slice(1)}`, 'On time', 'At risk', 'Breached', 'Paused', 'Paused share'],
    all.map((g) => [
      name(g), g.open, g.unassignedOpen, g.urgentOpen,
      g.statusCounts.on_time, color && g.statusCounts.at_risk ? chalk.yellow(g.statusCounts.at_risk) : g.statusCounts.at_risk,
      color && g.statusCounts.breached ? chalk.red(g.statusCounts.breached) : g.statusCounts.breached,
      color ? chalk.dim(g.statusCounts.paused) : g.statusCounts.paused, pctText(g.pausedSharePercent),
    ]),
    color,
  ));
  out.push('');
  if (r.reevaluated > 0) {
    out.push(chalk.dim(`${r.reevaluated} ticket${r.reevaluated === 1 ? ' was' : 's were'} re-evaluated from ${r.reevaluated === 1 ? 'its' : 'their'} history as of ${localTime(r.now, r.zone)}.`));
  }
  if (hidden > 0) {
    out.push(`… and ${hidden} more ${r.by.replace('_', ' ')} groups with fewer tickets, not shown (TOTAL counts them; --format csv or json lists every group).`);
  }
  for (const n of reportNotes(t.withoutSla)) out.push(chalk.dim(n));
  out.push(chalk.dim(`Compliance goal ${r.goal} %: green at or above, red below.`));
  return out.join('\n');
}

