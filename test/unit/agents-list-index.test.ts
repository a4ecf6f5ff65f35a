// `sla list` over many open tickets: filtered in SQL on a covering index, only the page
// evaluated with the clock. How fast: bench/list.mjs (100,000 tickets); here, what it returns.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectOpen, type Evaluated } from '../../src/commands/list.js';
import { Calendar } from '../../src/domain/calendar.js';
import type { PolicyDef } from '../../src/domain/policy.js';
import { computeSla } from '../../src/domain/sla.js';
import type { SlaSettings, Ticket, TicketEvent } from '../../src/domain/ticket.js';
import { MINUTE, type CalendarSpec } from '../../src/domain/types.js';
import { Store } from '../../src/store/store.js';
import * as tq from '../../src/store/tickets-query.js';
import type { ListQuery, TicketRecord } from '../../src/store/tickets-query.js';

const N = 5_000;
const weekdays = (s: number, e: number) => [[], [{ start: s, end: e }], [{ start: s, end: e }], [{ start: s, end: e }], [{ start: s, end: e }], [{ start: s, end: e }], []];
const office = new Calendar({ name: 'office', timezone: 'America/New_York', always: false, weekly: weekdays(9 * 60, 17 * 60), holidays: [] } as CalendarSpec);
const always = new Calendar({ name: 'always', timezone: 'UTC', always: true, weekly: [], holidays: [] } as CalendarSpec);
const calendar = (n: string) => (n === 'office' ? office : always);
const PRIORITIES = ['urgent', 'high', 'medium', 'low'];
const policies: PolicyDef[] = [
  { name: 'std', match: null, calendar: 'office', targets: Object.fromEntries(PRIORITIES.map((p, i) => [p, { firstResponse: 30 * (i + 1), resolution: 240 * (i + 1) }])) },
];
const settings: SlaSettings = {
  policies, tierMultipliers: {}, pauseOnCustomerWaiting: true, pauseStatuses: ['pending'], atRiskThresholdPercent: 80, recalculateOnPriorityChange: false,
};

describe('list over many open tickets', () => {
  it('answers each filter from the covering index, a page at most', () => {
    const store = Store.open(join(mkdtempSync(join(tmpdir(), 'sla-perf-')), 'sla.db'), { create: true });
    const base = Date.parse('2025-11-03T14:00:00Z');
    const written = base + 24 * 60 * MINUTE;
    const batch = [];
    for (let i = 0; i < N; i++) {
      const priority = PRIORITIES[i % 4];
      const createdAt = base - (i % 5000) * MINUTE;
      const events: TicketEvent[] = [];
      if (i % 3 === 0) events.push({ at: createdAt + 10 * MINUTE, type: 'reply' });
      if (i % 10 === 0) events.push({ at: createdAt + 20 * MINUTE, type: 'status', value: 'pending' });
      if (i % 50 === 1) events.push({ at: createdAt + 30 * MINUTE, type: 'pause', until: written + (i % 7) * 60 * MINUTE });
      const ticket: Ticket = {
        id: `T${i}`, subject: `subject ${i}`, requester: null, customer: `c${i % 300}`, tier: i % 7 === 0 ? 'gold' : null, priority,
        status: i % 10 === 0 ? 'pending' : 'open', assignee: i % 5 === 0 ? null : `agent${i % 40}`, group: null, channel: 'email', tags: [], custom: {},
        createdAt, firstResponseAt: null, resolvedAt: null, closedAt: null, updatedAt: null, initialPriority: priority,
        assignment: { policy: 'std', calendar: 'office', targets: policies[0].targets[priority] }, noSlaReason: null,
      };
      batch.push({ ticket, events, computed: computeSla(ticket, events, settings, calendar, written).computed });
    }
    store.saveTickets(batch);

    const now = written + 3 * 60 * MINUTE; // later than the stored states: transitions since are read from the instants
    const evalRec = (rec: TicketRecord): Evaluated => ({ rec, clock: computeSla(rec.ticket, rec.events, settings, calendar, now).clock });
    const base_: ListQuery = { now, sort: 'due', limit: 50, priorities: PRIORITIES };
    const cases: Array<Partial<ListQuery>> = [
      {}, { status: 'breached' }, { status: 'at_risk' }, { status: 'paused' }, { priority: 'urgent' }, { assignee: 'agent7' },
      { unassigned: true, dueWithinMs: 120 * MINUTE }, { status: 'on_time', metric: 'first_response' }, { tier: 'gold', sort: 'priority' },
      { sort: 'created', limit: 20 },
    ];
    for (const c of cases) {
      const q = { ...base_, ...c };
      const r = selectOpen(tq, store, q, evalRec);
      expect(r.shown.length, JSON.stringify(c)).toBeLessThanOrEqual(q.limit!);
      expect(r.total, JSON.stringify(c)).toBeGreaterThanOrEqual(r.shown.length);
    }
    expect(tq.explainList(store, { ...base_, status: 'breached' })).toMatch(/COVERING INDEX tickets_open_list/);
    store.close();
  }, 60_000);
});
