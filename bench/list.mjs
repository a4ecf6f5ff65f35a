// `sla list` over 100,000 open tickets: each filter answered in SQL on a covering index, only
// the page evaluated with the clock (moved here from the unit tests, where a timing is no
// assertion). Needs the compiled modules (dist/). One JSON line per measure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectOpen } from '../dist/commands/list.js';
import { Calendar } from '../dist/domain/calendar.js';
import { computeSla } from '../dist/domain/sla.js';
import { Store } from '../dist/store/store.js';
import * as tq from '../dist/store/tickets-query.js';
import { report } from './lib.mjs';

const N = 100_000;
const MINUTE = 60_000;
const weekdays = (s, e) => [[], [{ start: s, end: e }], [{ start: s, end: e }], [{ start: s, end: e }], [{ start: s, end: e }], [{ start: s, end: e }], []];
const office = new Calendar({ name: 'office', timezone: 'America/New_York', always: false, weekly: weekdays(9 * 60, 17 * 60), holidays: [] });
const calendar = () => office;
const PRIORITIES = ['urgent', 'high', 'medium', 'low'];
const policies = [{ name: 'std', match: null, calendar: 'office', targets: Object.fromEntries(PRIORITIES.map((p, i) => [p, { firstResponse: 30 * (i + 1), resolution: 240 * (i + 1) }])) }];
const settings = { policies, tierMultipliers: {}, pauseOnCustomerWaiting: true, pauseStatuses: ['pending'], atRiskThresholdPercent: 80, recalculateOnPriorityChange: false };

const dir = mkdtempSync(join(tmpdir(), 'sla-bench-list-'));
const store = Store.open(join(dir, 'sla.db'), { create: true });
const base = Date.parse('2025-11-03T14:00:00Z');
const written = base + 24 * 60 * MINUTE;
const batch = [];
for (let i = 0; i < N; i++) {
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
    assignment: { policy: 'std', calendar: 'office', targets: policies[0].targets[priority] }, noSlaReason: null,
  };
  batch.push({ ticket, events, computed: computeSla(ticket, events, settings, calendar, written).computed });
}
store.saveTickets(batch);

const now = written + 3 * 60 * MINUTE; // later than the stored states: transitions since are read from the instants
const evalRec = (rec) => ({ rec, clock: computeSla(rec.ticket, rec.events, settings, calendar, now).clock });
const q0 = { now, sort: 'due', limit: 50, priorities: PRIORITIES };
const cases = [
  {}, { status: 'breached' }, { status: 'at_risk' }, { status: 'paused' }, { priority: 'urgent' }, { assignee: 'agent7' },
  { unassigned: true, dueWithinMs: 120 * MINUTE }, { status: 'on_time', metric: 'first_response' }, { tier: 'gold', sort: 'priority' },
  { sort: 'created', limit: 20 },
];
let worst = 0;
let worstCase = '';
for (const c of cases) {
  const t0 = performance.now();
  selectOpen(tq, store, { ...q0, ...c }, evalRec);
  const ms = performance.now() - t0;
  if (ms > worst) { worst = ms; worstCase = JSON.stringify(c); }
}
const covering = /COVERING INDEX tickets_open_list/.test(tq.explainList(store, { ...q0, status: 'breached' }));
store.close();
rmSync(dir, { recursive: true, force: true });
report({ name: `list_open_100k (the slowest of ${cases.length} filters: ${worstCase})`, ms: +worst.toFixed(1), target: '< 400 ms, on the covering index', pass: worst < 400 && covering });
