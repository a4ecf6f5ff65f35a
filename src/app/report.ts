// The report use case (SPEC §7): the window's counts as of now — SQL over the stored derived
// state, the tickets it cannot answer for re-evaluated from their history — assembled into
// groups, one read, no writes.
//
// Tickets whose stored state is later than now (--at in the past) or whose manual pause ran
// out since their last write are re-evaluated from their history at now (computeSla, the same
// code every writer uses) and replace their stored rows.

import type { BusinessTime } from '../domain/clock.js';
import { byMetric, perMetric } from '../domain/metrics.js';
import { assembleReport, type GroupField, type ReportData } from '../domain/report.js';
import type { ReportWindow } from '../domain/report-window.js';
import { computeSla } from '../domain/sla.js';
import { assigneeAt, type SlaSettings } from '../domain/ticket.js';
import type { OverrideRow, ReportAggregates, ReportQuery, ReportStore, TicketRecord } from '../store/port.js';
import type { Setup } from './setup.js';

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

export interface ReportRequest {
  by: GroupField;
  window: ReportWindow;
  /** Also count compliance per day (the table's sparklines). */
  daily: boolean;
}

/** Count and assemble the report (no output). */
export async function buildReport(s: Setup, req: ReportRequest): Promise<Report> {
  const { config, now } = s;
  const { by, window } = req;
  const wantDaily = by !== 'day' && req.daily;
  const q: ReportQuery = {
    from: window.from, to: window.to, now, by, urgent: config.priorities[0] ?? null, daily: wantDaily, day: window.day,
  };
  const { aggregates: agg, reevaluated } = await countReport(s.store, s.settings, s.calendar, q);
  const label = (k: string | null): string | null => (by === 'day' && k !== null ? window.dates[Number(k)] ?? k : k);
  const rows = agg.rows.map((r) => ({ ...r, key: label(r.key) }));
  const data = assembleReport(rows, {
    keys: by === 'priority' ? config.priorities : by === 'day' ? window.dates : undefined,
    order: by === 'priority' || by === 'day' ? 'order' : 'volume',
    days: wantDaily ? window.dates.length : 0,
  });
  if (by === 'day') {
    // Daily compliance = the rows themselves.
    data.daily = data.groups.map((g, day) => ({ day, ...perMetric((_, k) => g[k]) }));
  }
  return { by, window, now, zone: config.timezone, goal: config.complianceGoalPercent, data, reevaluated, urgentName: config.priorities[0] ?? 'urgent' };
}

/**
 * The window's counts as of `q.now`: SQL over the stored state, leaving out the
 * tickets whose stored state cannot answer for `now` (written later — --at in the
 * past — or a manual pause that ran out since); those are re-evaluated from their
 * history at `now` with computeSla and counted by the same SQL from a TEMP table.
 */
export async function countReport(
  store: ReportStore,
  settings: SlaSettings,
  calendar: (name: string) => BusinessTime,
  q: ReportQuery,
): Promise<{ aggregates: ReportAggregates; reevaluated: number }> {
  const now = q.now;
  return store.reportCounts(q, ({ ticket, events, breachReasons }: TicketRecord): OverrideRow => {
    const { clock, computed: c } = computeSla(ticket, events, settings, calendar, now);
    return {
      id: ticket.id, createdAt: ticket.createdAt, priority: clock.priority ?? ticket.priority, tier: ticket.tier,
      policy: clock.assignment?.policy ?? null, assignee: assigneeAt(ticket.assignee, events, now),
      group: ticket.group, customer: ticket.customer, status: clock.status, firstResponseAt: clock.firstResponseAt,
      computed: c,
      // A reason recorded later for a breach that had not happened yet at `now` does not apply.
      breachReasons: byMetric((m) => (c.metrics[m].status === 'breached' ? breachReasons[m] : null)),
    };
  });
}
