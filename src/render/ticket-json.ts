// The ticket JSON of SPEC §8, shared by `list`, `show` and alerts.

import type { MetricState, TicketClock } from '../domain/clock.js';
import type { Ticket } from '../domain/ticket.js';
import { METRICS } from '../domain/metrics.js';
import { MINUTE } from '../domain/types.js';
import { isoUtc, minutes } from './format.js';

export function metricJson(m: MetricState | null) {
  if (!m) return null;
  return {
    target: minutes(m.target),
    elapsed: minutes(m.elapsed),
    remaining: minutes(m.remaining),
    percent: m.percent,
    atRiskAt: isoUtc(m.atRiskAt),
    dueAt: isoUtc(m.dueAt),
    status: m.status,
    met: m.met,
    breachedAt: isoUtc(m.breachedAt),
    startedAt: isoUtc(m.startedAt),
    stoppedAt: isoUtc(m.stoppedAt),
  };
}

/**
 * `firstResponseTime`: the SLA-clock minutes to the first response — null while the
 * clock runs and when no response stopped it: a ticket never answered (its clock
 * stopped at the resolution), or answered only after a resolution had stopped it.
 */
export function firstResponseMinutes(c: TicketClock): number | null {
  const fr = c.metrics.first_response;
  return fr && fr.stoppedAt !== null && c.firstResponseAt !== null && c.firstResponseAt <= fr.stoppedAt ? minutes(fr.elapsed) : null;
}

export function ticketJson(t: Ticket, c: TicketClock) {
  const fr = c.metrics.first_response;
  const res = c.metrics.resolution;
  return {
    id: t.id,
    subject: t.subject,
    customer: t.customer,
    tier: t.tier,
    priority: c.priority ?? t.priority,
    status: c.status,
    assignee: t.assignee,
    group: t.group,
    channel: t.channel,
    tags: t.tags,
    createdAt: isoUtc(t.createdAt),
    firstResponseAt: isoUtc(c.firstResponseAt),
    resolvedAt: isoUtc(c.resolvedAt),
    policy: c.assignment?.policy ?? null,
    calendar: c.assignment?.calendar ?? null,
    noSlaReason: c.assignment ? null : t.noSlaReason,
    slaStatus: c.slaStatus,
    slaFirstResponseDue: isoUtc(fr?.dueAt),
    slaFirstResponseMet: fr?.met ?? null,
    firstResponseTime: firstResponseMinutes(c),
    slaResolutionDue: isoUtc(res?.dueAt),
    slaResolutionMet: res?.met ?? null,
    resolutionTime: res && res.stoppedAt !== null ? minutes(res.elapsed) : null,
    slaBreachedAt: isoUtc(METRICS.flatMap((m) => c.metrics[m]?.breachedAt ?? []).sort((a, b) => a - b)[0] ?? null),
    slaPausedAt: isoUtc(c.pausedAt),
    slaTotalPausedTime: minutes(c.totalPausedMs / MINUTE),
    timeElapsed: res ? minutes(res.elapsed) : null,
    percentElapsed: res ? res.percent : null,
    metrics: Object.fromEntries(METRICS.map((m) => [m, metricJson(c.metrics[m])])),
  };
}
