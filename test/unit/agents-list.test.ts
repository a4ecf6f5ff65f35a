// `sla list` answers from SQL on the stored instants (plus the stale rows the
// clock evaluates): the result must equal evaluating every ticket with the
// clock — for random histories, filters, sorts and instants (before and after
// the stored states were computed), with manual pauses that end by themselves.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { comparator, matches, selectOpen, type Evaluated } from '../../src/app/open-tickets.js';
import { Calendar } from '../../src/domain/calendar.js';
import type { PolicyDef } from '../../src/domain/policy.js';
import { computeSla } from '../../src/domain/sla.js';
import type { SlaSettings, Ticket, TicketEvent } from '../../src/domain/ticket.js';
import { DONE_STATUSES, MINUTE, type CalendarSpec, type Metric } from '../../src/domain/types.js';
import type { ListQuery, SortKey, StatusFilter, TicketRecord } from '../../src/store/port.js';
import { SqliteStore } from '../../src/store/sqlite/engine.js';
import * as tq from '../../src/store/sqlite/queries.js';
import { Store } from '../../src/store/sqlite/tickets.js';

const weekdays = (s: number, e: number) => [[], [{ start: s, end: e }], [{ start: s, end: e }], [{ start: s, end: e }], [{ start: s, end: e }], [{ start: s, end: e }], []];
const specs: Record<string, CalendarSpec> = {
  office: { name: 'office', timezone: 'Europe/Paris', always: false, weekly: weekdays(9 * 60, 17 * 60), holidays: [{ date: '2025-11-11' }] },
  always: { name: 'always', timezone: 'UTC', always: true, weekly: [], holidays: [] },
};
const cals = Object.fromEntries(Object.entries(specs).map(([k, v]) => [k, new Calendar(v)]));
const calendar = (name: string) => cals[name];
const PRIORITIES = ['urgent', 'high', 'medium', 'low'];
const policies: PolicyDef[] = [
  { name: 'gold', match: { tier: ['gold'] }, calendar: 'always', targets: Object.fromEntries(PRIORITIES.map((p, i) => [p, { firstResponse: 15 * (i + 1), resolution: 120 * (i + 1) }])) },
  { name: 'std', match: null, calendar: 'office', targets: Object.fromEntries(PRIORITIES.map((p, i) => [p, { firstResponse: 60 * (i + 1), resolution: 480 * (i + 1) }])) },
];
const settings: SlaSettings = {
  policies, tierMultipliers: {}, pauseOnCustomerWaiting: true, pauseStatuses: ['pending', 'waiting_customer'],
  atRiskThresholdPercent: 80, recalculateOnPriorityChange: false,
};

/** Deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed;
  const next = () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] };
}

const BASE = Date.parse('2025-11-03T06:00:00Z'); // a Monday

function randomTicket(r: ReturnType<typeof rng>, i: number): { ticket: Ticket; events: TicketEvent[]; writtenAt: number } {
  const createdAt = BASE + r.int(3 * 24 * 60) * MINUTE;
  const tier = r.pick([null, 'gold', null]);
  const priority = r.pick(PRIORITIES);
  const policy = tier === 'gold' ? policies[0] : policies[1];
  const events: TicketEvent[] = [];
  let t = createdAt;
  let status = 'new';
  let prio = priority;
  let pausedManually = false;
  const steps = r.int(7);
  for (let k = 0; k < steps; k++) {
    t += (1 + r.int(240)) * MINUTE;
    const kind = r.pick(['reply', 'status', 'pause', 'pause', 'resume', 'priority', 'resolve', 'reopen']);
    if (kind === 'reply') events.push({ at: t, type: 'reply' });
    else if (kind === 'status') { status = r.pick(['open', 'pending', 'in_progress', 'waiting_customer']); events.push({ at: t, type: 'status', value: status }); }
    else if (kind === 'pause' && !pausedManually) {
      const until = r.next() < 0.6 ? t + (10 + r.int(600)) * MINUTE : null;
      events.push({ at: t, type: 'pause', until, reason: 'x' });
      pausedManually = until === null;
    } else if (kind === 'resume' && pausedManually) { events.push({ at: t, type: 'resume' }); pausedManually = false; }
    else if (kind === 'priority') { prio = r.pick(PRIORITIES); events.push({ at: t, type: 'priority', value: prio }); }
    else if (kind === 'resolve' && !DONE_STATUSES.has(status)) { status = r.pick(['resolved', 'closed']); events.push({ at: t, type: 'status', value: status }); }
    else if (kind === 'reopen' && DONE_STATUSES.has(status)) { status = 'open'; events.push({ at: t, type: 'status', value: status }); }
  }
  const ticket: Ticket = {
    id: `T${String(i).padStart(4, '0')}`, subject: null, requester: null, customer: null, tier, priority: prio, status,
    assignee: r.pick([null, 'ana', 'bob', 'ANA']), group: null, channel: null, tags: [], custom: {}, createdAt,
    firstResponseAt: null, resolvedAt: null, closedAt: null, updatedAt: null, initialPriority: priority,
    assignment: r.next() < 0.95 ? { policy: policy.name, calendar: policy.calendar, targets: policy.targets[priority] } : null,
    noSlaReason: null,
  };
  // Writers store the state at (or after) the last event.
  const writtenAt = t + r.int(24 * 60) * MINUTE;
  return { ticket, events, writtenAt };
}

function build(n: number, seed: number): { store: Store; port: SqliteStore; records: TicketRecord[]; writtenAt: Map<string, number> } {
  const path = join(mkdtempSync(join(tmpdir(), 'sla-list-')), 'sla.db');
  const store = Store.open(path, { create: true });
  const r = rng(seed);
  const all = Array.from({ length: n }, (_, i) => randomTicket(r, i));
  store.saveTickets(all.map((x) => ({ ticket: x.ticket, events: x.events, computed: computeSla(x.ticket, x.events, settings, calendar, x.writtenAt).computed })));
  return {
    store,
    port: SqliteStore.open(path),
    records: all.map((x) => ({ ticket: x.ticket, events: store.getEvents(x.ticket.id), breachReasons: { first_response: null, resolution: null } })),
    writtenAt: new Map(all.map((x) => [x.ticket.id, x.writtenAt])),
  };
}

const evalAt = (now: number) => (rec: TicketRecord): Evaluated => ({ rec, clock: computeSla(rec.ticket, rec.events, settings, calendar, now).clock });

describe('list: SQL on stored instants = the clock on every ticket', () => {
  it('random histories, filters, sorts and instants', async () => {
    const { store, port, records, writtenAt } = build(400, 7);
    const r = rng(99);
    // Boundaries matter (breached is *after* dueAt, at risk *at* atRiskAt): a third of the instants are one.
    // The instants at which a stored (not stale) state changes status.
    const edges: number[] = [];
    for (const rec of records) {
      const w = writtenAt.get(rec.ticket.id)!;
      const c = evalAt(w)(rec).clock;
      for (const m of [c.metrics.first_response, c.metrics.resolution]) {
        if (!m || m.stoppedAt !== null) continue;
        for (const x of [m.dueAt, m.atRiskAt]) if (x != null && x > w) edges.push(x - 1, x, x + 1);
      }
    }
    expect(edges.length).toBeGreaterThan(100);
    let checked = 0;
    let nonEmpty = 0;
    for (let k = 0; k < 200; k++) {
      const now = k % 2 === 0 ? r.pick(edges) : BASE + r.int(6 * 24 * 60) * MINUTE;
      const query: ListQuery = {
        now, sort: r.pick<SortKey>(['due', 'due', 'priority', 'created']), limit: r.pick([null, 5, 25]), priorities: PRIORITIES,
        status: r.pick<StatusFilter | undefined>([undefined, 'on_time', 'at_risk', 'breached', 'paused']),
        metric: r.pick<Metric | undefined>([undefined, undefined, 'first_response', 'resolution']),
        priority: r.pick([undefined, undefined, 'urgent', 'low']),
        tier: r.pick([undefined, undefined, 'GOLD']),
        assignee: r.pick([undefined, undefined, undefined, 'ana']),
        unassigned: r.next() < 0.15,
        dueWithinMs: r.pick([undefined, undefined, 120 * MINUTE, 24 * 60 * MINUTE]),
      };
      if (query.unassigned) query.assignee = undefined;
      if (k % 2 === 0) {
        // At a boundary instant, look at everything: the ticket on the boundary must be in view.
        Object.assign(query, { priority: undefined, tier: undefined, assignee: undefined, unassigned: false, dueWithinMs: undefined, limit: null });
      }
      const got = await selectOpen(port, query, evalAt(now));
      const expected = records.map(evalAt(now)).filter((e) => matches(e, query, now, true)).sort(comparator(query));
      const page = query.limit === null ? expected : expected.slice(0, query.limit);
      expect(got.shown.map((e) => e.rec.ticket.id), JSON.stringify(query)).toEqual(page.map((e) => e.rec.ticket.id));
      expect(got.total, JSON.stringify(query)).toBe(expected.length);
      // The SQL alone (no clock re-check): exactly the non-stale matches, in the same order.
      const stale = new Set(tq.staleOpen(store, query).map((x) => x.ticket.id));
      const sql = tq.listOpen(store, { ...query, limit: null });
      const want = expected.filter((e) => !stale.has(e.rec.ticket.id)).map((e) => e.rec.ticket.id);
      expect(sql.records.map((x) => x.ticket.id), `SQL ${JSON.stringify(query)}`).toEqual(want);
      expect(sql.total).toBe(want.length);
      checked++;
      if (expected.length) nonEmpty++;
    }
    expect(checked).toBe(200);
    expect(nonEmpty).toBeGreaterThan(60);
    port.close();
    store.close();
  });

  it('a pause whose `until` passed after the state was stored is seen as ended', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sla-list-')), 'sla.db');
    const store = Store.open(path, { create: true });
    const created = Date.parse('2025-11-03T14:00:00Z');
    const ticket: Ticket = {
      id: 'P1', subject: null, requester: null, customer: null, tier: 'gold', priority: 'urgent', status: 'open', assignee: null,
      group: null, channel: null, tags: [], custom: {}, createdAt: created, firstResponseAt: null, resolvedAt: null, closedAt: null,
      updatedAt: null, initialPriority: 'urgent', assignment: { policy: 'gold', calendar: 'always', targets: { firstResponse: 15, resolution: 120 } }, noSlaReason: null,
    };
    const events: TicketEvent[] = [{ at: created + 5 * MINUTE, type: 'reply' }, { at: created + 30 * MINUTE, type: 'pause', until: created + 90 * MINUTE }];
    store.saveTickets([{ ticket, events, computed: computeSla(ticket, events, settings, calendar, created + 30 * MINUTE).computed }]);
    const port = SqliteStore.open(path);
    const q = async (now: number, status: StatusFilter): Promise<string[]> =>
      (await selectOpen(port, { now, sort: 'due', limit: null, priorities: PRIORITIES, status }, evalAt(now))).shown.map((e) => e.rec.ticket.id);
    expect(await q(created + 60 * MINUTE, 'paused')).toEqual(['P1']);
    expect(await q(created + 100 * MINUTE, 'paused')).toEqual([]);
    // 30 min before the pause + 10 after it ended = 40 of 120 → on time, due at 14:00 + 30 + 60 + 90 = 17:00.
    const [row] = (await selectOpen(port, { now: created + 100 * MINUTE, sort: 'due', limit: null, priorities: PRIORITIES, status: 'on_time' }, evalAt(created + 100 * MINUTE))).shown;
    expect(row.clock.metrics.resolution!.dueAt).toBe(created + 180 * MINUTE);
    port.close();
    store.close();
  });
});
