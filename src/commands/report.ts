// sla report — SLA compliance of the tickets created in a window, grouped (SPEC §7).
//
// Window: `--days N` = today and the N-1 days before, in the config's timezone, as
// of now (or --at); `--since DATE [--until DATE]` = from local midnight of --since up
// to local midnight of --until (exclusive; default: the end of today). Tickets
// created after now (--at in the past) are not in it.
//
// Counting is done by SQL over the stored derived state (src/store/report.ts).
// Tickets whose stored state is later than now (--at in the past) or whose manual
// pause ran out since their last write are re-evaluated from their history at now
// (computeSla, the same code every writer uses) and replace their stored rows.

import { DateTime } from 'luxon';
import {
  assembleReport, complianceBuckets, GROUP_FIELDS, reportNotes, sparkline, type BucketUnit, type GroupField, type ReportData,
  type ReportGroup, type TimeStats,
} from '../domain/report.js';
import type { BusinessTime } from '../domain/clock.js';
import { computeSla } from '../domain/sla.js';
import { assigneeAt, type SlaSettings, type TicketEvent } from '../domain/ticket.js';
import { isoUtc, localTime } from '../render/format.js';
import {
  overrideAggregates, reportAggregates, staleRecords, type DayIndex, type OverrideRow, type ReportAggregates, type ReportQuery,
} from '../store/sqlite/report.js';
import type { Store } from '../store/sqlite/store.js';
import { usageError, type Context } from './context.js';

interface Opts { days?: string; since?: string; until?: string; by?: string; excel?: boolean }

export interface ReportWindow {
  from: number;
  to: number;
  /** Local dates of the window, one per day. */
  dates: string[];
  day: DayIndex;
}

const MAX_DAYS = 3660;

/** The window's instants and local days, computed with luxon in the config's zone. */
export function reportWindow(from: number, to: number, zone: string): ReportWindow {
  const first = DateTime.fromMillis(from, { zone }).startOf('day');
  const dates: string[] = [];
  const starts: number[] = [];
  for (let d = first; d.toMillis() < to; d = d.plus({ days: 1 })) {
    dates.push(d.toISODate()!);
    starts.push(Math.max(from, d.toMillis()));
    if (dates.length > MAX_DAYS + 1) break;
  }
  const off = (t: number): number => DateTime.fromMillis(t, { zone }).offset * 60_000;
  // The zone's offset is piecewise constant: find each change inside the window exactly.
  const points = [...starts, to - 1];
  const offsets: DayIndex['offsets'] = [];
  let cur = off(points[0]);
  for (let i = 1; i < points.length; i++) {
    if (off(points[i]) === cur) continue;
    let lo = points[i - 1];
    let hi = points[i];
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (off(mid) === cur) lo = mid;
      else hi = mid;
    }
    offsets.push({ until: hi, offsetMs: cur });
    cur = off(hi);
    i--; // another change may lie between hi and points[i]
    points[i] = hi;
  }
  offsets.push({ until: null, offsetMs: cur });
  return { from, to, dates, day: { localEpoch: Date.UTC(first.year, first.month - 1, first.day), offsets } };
}

async function windowFromOptions(ctx: Context, opts: Opts, zone: string, now: number): Promise<ReportWindow> {
  const today = DateTime.fromMillis(now, { zone }).startOf('day');
  const endOfToday = today.plus({ days: 1 }).toMillis();
  if (opts.since === undefined && opts.until !== undefined) {
    throw usageError('--until needs --since', 'e.g. sla report --since 2026-11-01 --until 2026-12-01');
  }
  if (opts.since !== undefined) {
    if (opts.days !== undefined && opts.days !== '7') {
      throw usageError('--days and --since/--until are two ways to give the window', 'use one of them');
    }
    const from = await ctx.parseTime(opts.since, zone, '--since');
    const to = opts.until !== undefined ? await ctx.parseTime(opts.until, zone, '--until') : Math.max(endOfToday, from + 1);
    if (to <= from) throw usageError(`--until ${opts.until} is not after --since ${opts.since}`, '--until is exclusive: --since 2026-11-01 --until 2026-11-02 is one day');
    const w = reportWindow(from, to, zone);
    if (w.dates.length > MAX_DAYS) throw usageError(`the window is longer than ${MAX_DAYS} days`, 'report on a shorter window');
    return w;
  }
  const text = opts.days ?? '7';
  const days = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw usageError(`--days ${JSON.stringify(text)} is not a number of days`, `use a whole number from 1 to ${MAX_DAYS}, e.g. --days 7`);
  }
  return reportWindow(today.minus({ days: days - 1 }).toMillis(), endOfToday, zone);
}

const WITH_TICKET_FIELD: Record<GroupField, string> = {
  priority: 'Priority', tier: 'Tier', policy: 'Policy', assignee: 'Assignee', group: 'Group', customer: 'Customer',
  breach_reason: 'Breach reason', day: 'Day',
};

export interface Report {
  by: GroupField;
  window: ReportWindow;
  now: number;
  zone: string;
  goal: number;
  data: ReportData;
  /** Tickets re-evaluated from their history (stored state later than now, or an expired pause). */
  reevaluated: number;
  /** config.priorities[0]: what "urgent open" counts. */
  urgentName: string;
}

/** Count and assemble the report (no output). */
export async function buildReport(ctx: Context, opts: Opts): Promise<Report> {
  const config = await ctx.config();
  const zone = config.timezone;
  const by = (opts.by ?? 'priority').trim().toLowerCase().replace('-', '_') as GroupField;
  if (!GROUP_FIELDS.includes(by)) {
    throw usageError(`--by ${JSON.stringify(opts.by)} is not a grouping`, `use one of: ${GROUP_FIELDS.join(', ')}`);
  }
  const now = await ctx.now();
  const window = await windowFromOptions(ctx, opts, zone, now);
  const store = await ctx.store();
  const wantDaily = by !== 'day' && ['table', 'markdown'].includes(ctx.format(['table', 'csv', 'json', 'markdown']));
  const q: ReportQuery = {
    from: window.from, to: window.to, now, by, urgent: config.priorities[0] ?? null, daily: wantDaily, day: window.day,
  };
  const { aggregates: agg, reevaluated } = await countReport(store, config, ctx.calendarSync, q);
  const label = (k: string | null): string | null => (by === 'day' && k !== null ? window.dates[Number(k)] ?? k : k);
  const rows = agg.rows.map((r) => ({ ...r, key: label(r.key) }));
  const data = assembleReport(rows, {
    keys: by === 'priority' ? config.priorities : by === 'day' ? window.dates : undefined,
    order: by === 'priority' || by === 'day' ? 'order' : 'volume',
    days: wantDaily ? window.dates.length : 0,
  });
  if (by === 'day') {
    // Daily compliance = the rows themselves.
    data.daily = data.groups.map((g, day) => ({ day, firstResponse: g.firstResponse, resolution: g.resolution }));
  }
  return { by, window, now, zone, goal: config.complianceGoalPercent, data, reevaluated, urgentName: config.priorities[0] ?? 'urgent' };
}

/**
 * The window's counts as of `q.now`: SQL over the stored state, leaving out the
 * tickets whose stored state cannot answer for `now` (written later — --at in the
 * past — or a manual pause that ran out since); those are re-evaluated from their
 * history at `now` with computeSla and counted by the same SQL from a TEMP table.
 */
export async function countReport(
  store: Store,
  settings: SlaSettings,
  calendar: (name: string) => BusinessTime,
  q: ReportQuery,
): Promise<{ aggregates: ReportAggregates; reevaluated: number }> {
  const first = await reportAggregates(store, q);
  if (first.stale === 0) return { aggregates: first, reevaluated: 0 };
  const now = q.now;
  const overrides: OverrideRow[] = [];
  for (const { ticket, events, breachReasons } of staleRecords(store, q)) {
    const { clock, computed: c } = computeSla(ticket, events, settings, calendar, now);
    overrides.push({
      id: ticket.id, created_at: ticket.createdAt, priority: clock.priority ?? ticket.priority, tier: ticket.tier,
      policy: clock.assignment?.policy ?? null, assignee: assigneeAt(ticket.assignee, events, now),
      grp: ticket.group, customer: ticket.customer, status: clock.status,
      fr_status: c.frStatus, fr_due_at: c.frDueAt, fr_at_risk_at: c.frAtRiskAt, fr_stopped_at: c.frStoppedAt, fr_elapsed_min: c.frElapsedMin,
      first_response_at: clock.firstResponseAt,
      res_status: c.resStatus, res_due_at: c.resDueAt, res_at_risk_at: c.resAtRiskAt, res_stopped_at: c.resStoppedAt, res_elapsed_min: c.resElapsedMin,
      // The state is exact at `now`: nothing is stale, no pause time to add.
      paused_at: c.pausedAt, total_paused_ms: c.totalPausedMs, computed_at: now,
      // A reason recorded later for a breach that had not happened yet at `now` does not apply.
      fr_breach_reason: c.frStatus === 'breached' ? breachReasons.first_response : null,
      res_breach_reason: c.resStatus === 'breached' ? breachReasons.resolution : null,
    });
  }
  const rows = first.rows.concat(overrideAggregates(store, q, overrides));
  return { aggregates: { ...first, rows }, reevaluated: overrides.length };
}

export async function run(ctx: Context, opts: Opts): Promise<number> {
  const format = ctx.format(['table', 'csv', 'json', 'markdown']);
  if (opts.excel && format !== 'csv') throw usageError('--excel only applies to --format csv', 'add --format csv');
  const report = await buildReport(ctx, opts);
  if (format === 'json') ctx.data(JSON.stringify(reportJson(report)));
  else if (format === 'csv') ctx.stdout.write((opts.excel ? '\uFEFF' : '') + (await reportCsv(report)));
  else if (format === 'markdown') {
    const { reportMarkdown } = await import('../render/markdown.js');
    ctx.out(reportMarkdown(report));
  } else ctx.out(await reportTable(report, ctx.color));
  return 0;
}

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

async function reportCsv(r: Report): Promise<string> {
  const { toCsv } = await import('../render/csv.js');
  const rows = r.data.groups.map((g) => [keyName(g.key), ...csvValues(g)]);
  rows.push(['TOTAL', ...csvValues(r.data.total)]);
  return toCsv([r.by, ...CSV_COLUMNS], rows, true);
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
  const [{ renderTable, makeChalk }, { formatDuration }] = await Promise.all([import('../render/table.js'), import('../render/format.js')]);
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

