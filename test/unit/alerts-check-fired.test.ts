// computeSla's `fired` option as used by check: a function of the evaluated cycle
// gives the same state as the Set of that cycle's keys (the old form still works).

import { describe, expect, it } from 'vitest';
import { Calendar } from '../../src/domain/calendar.js';
import type { Assignment } from '../../src/domain/clock.js';
import { computeSla } from '../../src/domain/sla.js';
import type { SlaSettings, Ticket } from '../../src/domain/ticket.js';

const Z = (s: string): number => Date.parse(s);
const always = new Calendar({ name: 'always', timezone: 'UTC', always: true, weekly: [], holidays: [] });
const cal = () => always;
const settings: SlaSettings = {
  policies: [], tierMultipliers: {}, pauseOnCustomerWaiting: true, pauseStatuses: ['pending', 'waiting_customer'],
  atRiskThresholdPercent: 80, recalculateOnPriorityChange: false, escalations: [],
};
const assignment: Assignment = { policy: 'p', calendar: 'always', targets: { firstResponse: 60, resolution: 240 } };
const ticket: Ticket = {
  id: 'T', subject: null, requester: null, customer: null, tier: null, priority: 'high', status: 'open', assignee: null,
  group: null, channel: null, tags: [], custom: {}, createdAt: Z('2025-11-03T10:00:00Z'), firstResponseAt: null, resolvedAt: null,
  closedAt: null, updatedAt: null, initialPriority: 'high', assignment, noSlaReason: null,
};

describe('computeSla fired option', () => {
  it('a function of the cycle is called once with the clock cycle and matches the Set form', () => {
    const now = Z('2025-11-03T12:00:00Z');
    const keys = new Set(['response_warning|', 'response_breached|']);
    const cycles: number[] = [];
    const byFn = computeSla(ticket, [], settings, cal, now, { fired: (c) => { cycles.push(c); return keys; } });
    const bySet = computeSla(ticket, [], settings, cal, now, { fired: keys });
    expect(cycles).toEqual([byFn.clock.cycle]);
    expect(byFn.computed).toEqual(bySet.computed);
    expect(byFn.computed.nextChangeAt).toBe(Z('2025-11-03T13:12:00Z'));
    // Nothing fired: the breach that already holds keeps nextChangeAt at or before now.
    expect(computeSla(ticket, [], settings, cal, now, { fired: () => new Set() }).computed.nextChangeAt).toBeLessThanOrEqual(now);
  });
});
