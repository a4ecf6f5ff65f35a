// Pure domain: escalation rule instants, due transitions (exactly-once keys,
// catch-up), and the next instant `check` must look at (ComputedSla.nextChangeAt).

import { describe, expect, it } from 'vitest';
import type { Calendar } from '../../src/domain/calendar.js';
import { lastActivity, raisedPriority, ruleInstant, type EscalationRuleDef } from '../../src/domain/escalation.js';
import { computeSla } from '../../src/domain/sla.js';
import { evaluateTicket, type SlaSettings, type Ticket, type TicketEvent } from '../../src/domain/ticket.js';
import { dueTransitions, nextCheckAt, transitionKey, transitionsOf, type TransitionInput } from '../../src/domain/transitions.js';
import * as build from '../support/build.js';
import { assignment, office, Z } from '../support/build.js';

const MIN = 60_000;
const calendars: Record<string, Calendar> = { office: office(), always: build.calendar() };
const cal = (name: string) => calendars[name];

const settings = (escalations: EscalationRuleDef[] = []): SlaSettings => build.settings({ escalations });

/** build.ticket on `calendar` with those targets; its initial priority stays high whatever `over` sets. */
function ticket(over: Partial<Ticket> = {}, calendar = 'always', fr = 60, res = 240): Ticket {
  return build.ticket({ initialPriority: 'high', assignment: assignment({ calendar, firstResponse: fr, resolution: res }), ...over });
}

function input(t: Ticket, events: TicketEvent[], now: string, rules: EscalationRuleDef[] = [], fired: string[] = []): TransitionInput {
  const s = settings(rules);
  const clock = evaluateTicket(t, events, s, cal, Z(now));
  return {
    ticket: t, events, clock, calendar: cal(t.assignment!.calendar), rules, pauseStatuses: s.pauseStatuses,
    fired: new Set(fired), now: Z(now),
  };
}

const rule = (when: EscalationRuleDef['when'], name = 'r'): EscalationRuleDef => ({ name, when });

describe('clock transitions', () => {
  it('a warning at atRiskAt, a breach recorded at dueAt that holds from just after it', () => {
    const t = ticket();
    expect(dueTransitions(input(t, [], '2025-11-03T10:47:00Z'))).toEqual([]);
    const w = dueTransitions(input(t, [], '2025-11-03T10:48:00Z'));
    expect(w.map((x) => [x.type, x.at, x.announced])).toEqual([['response_warning', Z('2025-11-03T10:48:00Z'), true]]);
    // Exactly at dueAt the breach does not hold yet (stopping at dueAt is met).
    const at = dueTransitions(input(t, [], '2025-11-03T11:00:00Z', [], [transitionKey('response_warning', '')]));
    expect(at).toEqual([]);
    const b = dueTransitions(input(t, [], '2025-11-03T11:00:01Z', [], [transitionKey('response_warning', '')]));
    expect(b.map((x) => [x.type, x.at])).toEqual([['response_breached', Z('2025-11-03T11:00:00Z')]]);
  });

  it('catch-up: a warning whose breach has also passed is due but not announced', () => {
    const due = dueTransitions(input(ticket(), [], '2025-11-03T11:30:00Z'));
    expect(due.map((x) => [x.type, x.announced])).toEqual([['response_warning', false], ['response_breached', true]]);
  });

  it('a stopped clock is not announced after the fact; fired keys are not due again', () => {
    const replied: TicketEvent[] = [{ at: Z('2025-11-03T11:30:00Z'), type: 'reply' }];
    const due = dueTransitions(input(ticket(), replied, '2025-11-03T12:00:00Z'));
    expect(due.map((x) => x.type)).toEqual([]); // first response stopped (late); resolution not yet at risk
    const fired = [transitionKey('response_warning', ''), transitionKey('response_breached', '')];
    expect(dueTransitions(input(ticket(), [], '2025-11-03T12:00:00Z', [], fired))).toEqual([]);
  });

  it('business hours: the breach instant is in open time', () => {
    // Friday 16:30 + 1h of Mon–Fri 09–17 → Monday 09:30.
    const t = ticket({ createdAt: Z('2025-10-31T16:30:00Z') }, 'office');
    const due = dueTransitions(input(t, [], '2025-11-03T09:31:00Z'));
    expect(due.find((x) => x.type === 'response_breached')!.at).toBe(Z('2025-11-03T09:30:00Z'));
  });
});

describe('escalation rule instants', () => {
  const c = (t: Ticket, events: TicketEvent[], now: string) => {
    const i = input(t, events, now);
    return { ticket: t, events, clock: i.clock, calendar: i.calendar, pauseStatuses: i.pauseStatuses, now: i.now };
  };

  it('elapsedMinutes / atPercent / overdueMinutes are measured on the rule\'s metric clock, in business time', () => {
    const t = ticket({ createdAt: Z('2025-10-31T16:30:00Z') }, 'office', 60, 240);
    const ctx = c(t, [], '2025-10-31T16:40:00Z');
    expect(ruleInstant(rule({ metric: 'first_response', elapsedMinutes: 45 }), ctx)).toBe(Z('2025-11-03T09:15:00Z'));
    expect(ruleInstant(rule({ metric: 'resolution', atPercent: 50 }), ctx)).toBe(Z('2025-11-03T10:30:00Z'));
    expect(ruleInstant(rule({ metric: 'resolution', overdueMinutes: 60 }), ctx)).toBe(Z('2025-11-03T13:30:00Z'));
    expect(ruleInstant(rule({ metric: 'resolution', overdueMinutes: 0 }), ctx)).toBe(Z('2025-11-03T12:30:00Z') + 1);
  });

  it('a paused clock has no instant for a threshold it has not reached; one reached before the pause keeps its instant', () => {
    const t = ticket();
    const events: TicketEvent[] = [{ at: Z('2025-11-03T10:30:00Z'), type: 'status', value: 'waiting_customer' }];
    const ctx = c(t, events, '2025-11-03T11:00:00Z');
    expect(ruleInstant(rule({ metric: 'resolution', elapsedMinutes: 60 }), ctx)).toBeNull();
    expect(ruleInstant(rule({ metric: 'resolution', elapsedMinutes: 20 }), ctx)).toBe(Z('2025-11-03T10:20:00Z'));
  });

  it('filters are judged on the ticket as it is: unassigned, priority, tier, policy (case-insensitive)', () => {
    const r = rule({ unassigned: true, priority: ['Urgent'], tier: ['gold'], policy: ['p'], elapsedMinutes: 10 });
    const now = '2025-11-03T10:30:00Z';
    expect(ruleInstant(r, c(ticket({ priority: 'urgent', tier: 'Gold' }), [], now))).toBe(Z('2025-11-03T10:10:00Z'));
    expect(ruleInstant(r, c(ticket({ priority: 'urgent', tier: 'Gold', assignee: 'bob' }), [], now))).toBeNull();
    expect(ruleInstant(r, c(ticket({ priority: 'high', tier: 'gold' }), [], now))).toBeNull();
    expect(ruleInstant(r, c(ticket({ priority: 'urgent', tier: null }), [], now))).toBeNull();
  });

  it('idle: last activity (not check\'s own) + N wall-clock minutes; none while waiting on the customer or when done', () => {
    const t = ticket({ updatedAt: Z('2025-11-03T10:20:00Z') });
    const events: TicketEvent[] = [
      { at: Z('2025-11-03T10:40:00Z'), type: 'assign', value: 'x', source: 'import' },
      { at: Z('2025-11-03T11:00:00Z'), type: 'assign', value: 'y', source: 'check' },
    ];
    expect(lastActivity(t, events, Z('2025-11-03T12:00:00Z'))).toBe(Z('2025-11-03T10:40:00Z'));
    expect(ruleInstant(rule({ idleMinutes: 60 }), c(t, events, '2025-11-03T12:00:00Z'))).toBe(Z('2025-11-03T11:40:00Z'));
    const waiting: TicketEvent[] = [{ at: Z('2025-11-03T10:30:00Z'), type: 'status', value: 'pending' }];
    expect(ruleInstant(rule({ idleMinutes: 60 }), c(t, waiting, '2025-11-03T12:00:00Z'))).toBeNull();
    const done: TicketEvent[] = [{ at: Z('2025-11-03T10:30:00Z'), type: 'status', value: 'resolved' }];
    expect(ruleInstant(rule({ idleMinutes: 60 }), c(t, done, '2025-11-03T12:00:00Z'))).toBeNull();
  });

  it('customerOpenAtLeast needs the caller\'s answer; all triggers must hold (the latest instant wins)', () => {
    const t = ticket({ customer: 'Acme' });
    const base = c(t, [], '2025-11-03T11:00:00Z');
    const r = rule({ customerOpenAtLeast: 3, elapsedMinutes: 30 });
    expect(ruleInstant(r, base)).toBeNull();
    expect(ruleInstant(r, { ...base, customerOpenSince: () => null })).toBeNull();
    expect(ruleInstant(r, { ...base, customerOpenSince: () => Z('2025-11-03T10:45:00Z') })).toBe(Z('2025-11-03T10:45:00Z'));
    expect(ruleInstant(r, { ...base, customerOpenSince: () => Z('2025-11-03T09:00:00Z') })).toBe(Z('2025-11-03T10:30:00Z'));
  });

  it('raisePriority moves one step up and never past the top', () => {
    const p = ['urgent', 'high', 'medium', 'low'];
    expect(raisedPriority(p, 'low')).toBe('medium');
    expect(raisedPriority(p, 'High')).toBe('urgent');
    expect(raisedPriority(p, 'urgent')).toBeNull();
    expect(raisedPriority(p, null)).toBeNull();
    expect(raisedPriority(p, 'unknown')).toBeNull();
  });
});

describe('nextChangeAt: where check finds a ticket by the index', () => {
  it('folds future escalation instants in; keeps an unfired transition that already holds at or before now', () => {
    const rules = [rule({ idleMinutes: 30 }, 'idle')];
    const t = ticket();
    const s = settings(rules);
    // At 10:05 the soonest is the idle rule at 10:30 (before the 10:48 warning).
    expect(computeSla(t, [], s, cal, Z('2025-11-03T10:05:00Z')).computed.nextChangeAt).toBe(Z('2025-11-03T10:30:00Z'));
    // A writer that does not know what fired (an import of an old ticket): the breach is found by the next check.
    const late = computeSla(t, [], settings(), cal, Z('2025-11-03T12:00:00Z')).computed.nextChangeAt!;
    expect(late).toBeLessThanOrEqual(Z('2025-11-03T12:00:00Z'));
    // check, knowing all of them fired: the next one is in the future.
    const fired = new Set(['response_warning|', 'response_breached|']);
    expect(computeSla(t, [], settings(), cal, Z('2025-11-03T12:00:00Z'), { fired }).computed.nextChangeAt).toBe(Z('2025-11-03T13:12:00Z'));
    expect(nextCheckAt(input(t, [], '2025-11-03T14:30:00Z', [], [...fired, 'resolution_warning|', 'resolution_breached|']))).toBeNull();
  });
});

describe('nextCheckAt', () => {
  it('is the soonest holdsFrom of transitionsOf that has not fired, for every set of fired keys', () => {
    const rules = [
      rule({ elapsedMinutes: 10, unassigned: true }, 'unassigned-10'),
      rule({ metric: 'resolution', overdueMinutes: 60 }, 'overdue-60'),
      rule({ metric: 'first_response', atPercent: 90 }, 'fr-90'),
      rule({ idleMinutes: 30 }, 'idle-30'),
    ];
    const events: TicketEvent[] = [{ at: Z('2025-11-03T10:20:00Z'), type: 'status', value: 'pending' }, { at: Z('2025-11-03T11:00:00Z'), type: 'status', value: 'open' }];
    let compared = 0;
    for (const [t, evs] of [[ticket(), []], [ticket({}, 'office'), events], [ticket({ assignee: 'bo' }, 'always', 30, 120), events]] as const) {
      for (const now of ['2025-11-03T10:05:00Z', '2025-11-03T12:30:00Z', '2025-11-04T09:00:00Z']) {
        const all = transitionsOf(input(t, [...evs], now, rules));
        const keys = all.map((x) => x.key);
        expect(keys.length).toBeGreaterThan(2);
        for (let mask = 0; mask < 1 << keys.length; mask++) {
          const fired = keys.filter((_, i) => mask & (1 << i));
          const left = all.filter((x) => !fired.includes(x.key)).map((x) => x.holdsFrom);
          expect(nextCheckAt(input(t, [...evs], now, rules, fired))).toBe(left.length ? Math.min(...left) : null);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});

