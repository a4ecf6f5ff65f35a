// `sla report --format html`: the standup page's data — the report (with its daily, or weekly,
// compliance) and the open tickets breached or at risk right now (as `sla list --status …`
// selects them), one read each, no writes.

import { buildReport, type Report, type ReportRequest } from './report.js';
import { firstOf, listTickets, type Evaluated } from './open-tickets.js';
import type { Setup } from './setup.js';

/** Open tickets listed per status on the page, at most. */
export const STANDUP_TICKETS = 25;

export interface Standup {
  report: Report;
  breached: { shown: Evaluated[]; total: number };
  atRisk: { shown: Evaluated[]; total: number };
  ticketUrl: string | null;
}

export async function buildStandup(s: Setup, req: Omit<ReportRequest, 'daily'>, past: boolean): Promise<Standup> {
  const report = await buildReport(s, { ...req, daily: req.by !== 'day' });
  const open = async (status: 'breached' | 'at_risk') => {
    const { rows, total, totalNeedsAllRows } = await listTickets(s, { filter: { status }, sort: 'due', limit: null, all: null, past });
    const shown = await firstOf(rows, STANDUP_TICKETS);
    if (totalNeedsAllRows) for await (const _ of rows) { /* counted to the end for the total */ }
    return { shown, total: total() };
  };
  return { report, breached: await open('breached'), atRisk: await open('at_risk'), ticketUrl: s.config.alerts.ticketUrl };
}
