// Many open tickets of one office-hours policy, stored, and the filters `sla list` is asked
// for: the data of bench/list.mjs (how fast, 100,000 tickets) and of
// test/unit/agents-list-index.test.ts (what it returns, fewer). The domain's modules come
// from the caller: compiled (dist/) for the bench, the sources for the test.

const MINUTE = 60_000;

export const PRIORITIES = ['urgent', 'high', 'medium', 'low'];

/** The filters of the list, each a part of a ListQuery. */
export const LIST_CASES = [
  {}, { status: 'breached' }, { status: 'at_risk' }, { status: 'paused' }, { priority: 'urgent' }, { assignee: 'agent7' },
  { unassigned: true, dueWithinMs: 120 * MINUTE }, { status: 'on_time', metric: 'first_response' }, { tier: 'gold', sort: 'priority' },
  { sort: 'created', limit: 20 },
];

/**
 * Saves `n` open tickets into `store`; returns the base query (as of `now`, after the stored
 * states: transitions since are read from the stored instants) and how to evaluate a record.
 */
export function fillOpenTickets({ Calendar, computeSla }, store, n) {
  const weekday = [{ start: 9 * 60, end: 17 * 60 }];
  const office = new Calendar({ name: 'office', timezone: 'America/New_York', always: false, weekly: [[], weekday, weekday, weekday, weekday, weekday, []], holidays: [] });
  const calendar = () => office;
  const targets = Object.fromEntries(PRIORITIES.map((p, i) => [p, { firstResponse: 30 * (i + 1), resolution: 240 * (i + 1) }]));
  const settings = {
    policies: [{ name: 'std', match: null, calendar: 'office', targets }], tierMultipliers: {}, pauseOnCustomerWaiting: true,
    pauseStatuses: ['pending'], atRiskThresholdPercent: 80, recalculateOnPriorityChange: false,
  };
  const base = Date.parse('2025-11-03T14:00:00Z');
  const written = base + 24 * 60 * MINUTE;
  const batch = [];
  for (let i = 0; i < n; i++) {
    const priority = PRIORITIES[i % 4];
    const createdAt = base - (i % 5000) * MINUTE;
    const events = [];
    if (i % 3 === 0) events.push({ at: createdAt + 10 * MINUTE, type: 'reply' });
    if (i % 10 === 0) events.push({ at: createdAt + 20 * MINUTE, type: 'status', value: 'pending' });
    if (i % 50 === 1) events.push({ at: createdAt + 30 * MINUTE, type: 'pause', until: written + (i % 7) * 60 * MINUTE });
    const ticket = {
      id: `T${i}`, subject: `subject ${i}`, requester: null, customer: `c${i % 300}`, tier: i % 7 === 0 ? 'gold' : null, priority,
      status: i % 10 === 0 ? 'pending' : 'open', assignee: i % 5 === 0 ? null : `agent${i % 40}`, group: null, channel: 'email', tags: [], custom: {},
      createdAt, firstResponseAt: null, resolvedAt: null, closedAt: null, updatedAt: null, initialPriority: priority,
      assignment: { policy: 'std', calendar: 'office', targets: targets[priority] }, noSlaReason: null,
    };
    batch.push({ ticket, events, computed: computeSla(ticket, events, settings, calendar, written).computed });
  }
  store.saveTickets(batch);
  const now = written + 3 * 60 * MINUTE;
  return {
    query: { now, sort: 'due', limit: 50, priorities: PRIORITIES },
    evaluate: (rec) => ({ rec, clock: computeSla(rec.ticket, rec.events, settings, calendar, now).clock }),
  };
}
