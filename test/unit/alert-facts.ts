// The facts of a test alert (shared by the alert rendering tests): ticket 1234, urgent,
// enterprise, created 2025-11-03 10:00 UTC on a 24×7 calendar, first response due in 60 min.

import { buildFacts, type AlertFacts } from '../../src/alerts/facts.js';
import type { AlertsConfig, AlertType } from '../../src/config/types.js';
import { evaluateTicket, type Ticket } from '../../src/domain/ticket.js';

export const Z = (s: string): number => Date.parse(s);
export const always = { add: (t: number, ms: number) => t + ms, openBetween: (a: number, b: number) => Math.max(0, b - a) };

export function alerts(over: Partial<AlertsConfig> = {}): AlertsConfig {
  return { destinations: {}, routes: [], ticketUrl: 'https://help.example.com/t/{id}', redact: [], digestAbove: 10, ...over };
}

/** The alert's facts as recorded at `now`: `type` (a breach at 11:00 unless `at` says otherwise). */
export function testFacts(opts: { over?: Partial<Ticket>; now: string; type?: AlertType; at?: string; alerts?: AlertsConfig }): AlertFacts {
  const t: Ticket = {
    id: '1234', subject: 'VPN down', requester: 'joe@example.com', customer: 'Acme', tier: 'enterprise', priority: 'urgent',
    status: 'open', assignee: null, group: null, channel: null, tags: [], custom: {}, createdAt: Z('2025-11-03T10:00:00Z'),
    firstResponseAt: null, resolvedAt: null, closedAt: null, updatedAt: null, initialPriority: 'urgent',
    assignment: { policy: 'gold', calendar: 'always', targets: { firstResponse: 60, resolution: 240 } }, noSlaReason: null, ...opts.over,
  };
  const settings = { policies: [], tierMultipliers: {}, pauseOnCustomerWaiting: true, pauseStatuses: [], atRiskThresholdPercent: 80, recalculateOnPriorityChange: false };
  const clock = evaluateTicket(t, [], settings, () => always, Z(opts.now));
  return buildFacts({
    alerts: opts.alerts ?? alerts(), ticket: t, clock, type: opts.type ?? 'response_breached', rule: '', metric: 'first_response',
    at: Z(opts.at ?? '2025-11-03T11:00:00Z'), now: Z(opts.now),
  });
}
