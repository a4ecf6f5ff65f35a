import { describe, expect, it } from 'vitest';
import { Calendar } from '../../src/domain/calendar.js';
import { evaluateClock, type Assignment, type BusinessTime, type ClockContext, type ClockEvent } from '../../src/domain/clock.js';
import { assignPolicy, matchPolicy, type PolicyDef } from '../../src/domain/policy.js';
import type { CalendarSpec } from '../../src/domain/types.js';

const Z = (s: string): number => Date.parse(s);
const always: BusinessTime = { add: (t, ms) => t + ms, openBetween: (a, b) => Math.max(0, b - a) };

const weekdays = (start: number, end: number) => [[], [{ start, end }], [{ start, end }], [{ start, end }], [{ start, end }], [{ start, end }], []];
const officeSpec: CalendarSpec = {
  name: 'office', timezone: 'UTC', always: false, weekly: weekdays(9 * 60, 17 * 60), holidays: [],
};
const office = new Calendar(officeSpec);

function ctx(over: Partial<ClockContext> = {}, cal: BusinessTime = always): ClockContext {
  return { calendar: () => cal, pauseStatuses: new Set(['pending', 'waiting_customer']), atRiskPercent: 80, ...over };
}
const urgent = (calendar = 'always', fr = 15, res = 240): Assignment => ({ policy: 'p', calendar, targets: { firstResponse: fr, resolution: res } });

function run(created: string, events: Array<Omit<Partial<ClockEvent>, 'at'> & { at: string; type: string }>, now: string, c = ctx(), a = urgent()) {
  return evaluateClock(
    { createdAt: Z(created), priority: 'urgent', assignment: a, events: events.map((e) => ({ ...e, at: Z(e.at) }) as ClockEvent) },
    c,
    Z(now),
  );
}

describe('SPEC §1 worked examples', () => {
  it('24×7 urgent 4 h: resolved after 225 min is met, due 18:30Z', () => {
    const c = run('2025-11-01T14:30:00Z', [{ at: '2025-11-01T18:15:00Z', type: 'status', value: 'resolved' }], '2025-11-02T00:00:00Z');
    const r = c.metrics.resolution!;
    expect(r.elapsed).toBe(225);
    expect(r.dueAt).toBe(Z('2025-11-01T18:30:00Z'));
    expect(r.status).toBe('met');
    expect(r.met).toBe(true);
    expect(r.breachedAt).toBeNull();
  });

  it('at 3 h on_time (75 %), at 3.5 h at_risk (87.5 %), at 4.5 h breached at created + 4 h', () => {
    const at = (now: string) => run('2025-11-01T14:30:00Z', [{ at: '2025-11-01T14:35:00Z', type: 'reply' }], now).metrics.resolution!;
    expect(at('2025-11-01T17:30:00Z')).toMatchObject({ status: 'on_time', percent: 75, met: null });
    expect(at('2025-11-01T18:00:00Z')).toMatchObject({ status: 'at_risk', percent: 87.5 });
    const late = at('2025-11-01T19:00:00Z');
    expect(late.status).toBe('breached');
    expect(late.breachedAt).toBe(Z('2025-11-01T18:30:00Z'));
    expect(late.atRiskAt).toBe(Z('2025-11-01T17:42:00Z'));
  });

  it('pause 15:00 → resume 16:30 moves due from 18:00Z to 19:30Z and counts 90 paused minutes', () => {
    const before = run('2025-11-01T14:00:00Z', [], '2025-11-01T14:30:00Z');
    expect(before.metrics.resolution!.dueAt).toBe(Z('2025-11-01T18:00:00Z'));
    const c = run('2025-11-01T14:00:00Z', [
      { at: '2025-11-01T15:00:00Z', type: 'pause' },
      { at: '2025-11-01T16:30:00Z', type: 'resume' },
    ], '2025-11-01T17:00:00Z');
    expect(c.metrics.resolution!.dueAt).toBe(Z('2025-11-01T19:30:00Z'));
    expect(c.totalPausedMs / 60_000).toBe(90);
    expect(c.metrics.resolution!.elapsed).toBe(90);
  });

  it('business hours: Friday 16:30 + 4 h → Monday 12:30 (not 13:00)', () => {
    const c = run('2025-10-31T16:30:00Z', [], '2025-10-31T16:45:00Z', ctx({}, office), urgent('office'));
    expect(c.metrics.resolution!.dueAt).toBe(Z('2025-11-03T12:30:00Z'));
  });

  it('first response 15 min: reply after 12 min is met', () => {
    const c = run('2025-11-01T14:30:00Z', [{ at: '2025-11-01T14:42:00Z', type: 'reply' }], '2025-11-01T15:00:00Z');
    const f = c.metrics.first_response!;
    expect(f.elapsed).toBe(12);
    expect(f.status).toBe('met');
    expect(f.met).toBe(true);
    expect(c.firstResponseAt).toBe(Z('2025-11-01T14:42:00Z'));
  });
});

describe('boundaries', () => {
  it('a reply exactly at dueAt is met; one millisecond later is breached', () => {
    const onTime = run('2025-11-01T14:30:00Z', [{ at: '2025-11-01T14:45:00Z', type: 'reply' }], '2025-11-01T16:00:00Z');
    expect(onTime.metrics.first_response!.status).toBe('met');
    const late = run('2025-11-01T14:30:00Z', [{ at: '2025-11-01T14:45:00.001Z', type: 'reply' }], '2025-11-01T16:00:00Z');
    expect(late.metrics.first_response!.status).toBe('breached');
    expect(late.metrics.first_response!.breachedAt).toBe(Z('2025-11-01T14:45:00Z'));
  });

  it('at exactly dueAt the running clock is not yet breached; after it, it is', () => {
    expect(run('2025-11-01T14:30:00Z', [], '2025-11-01T14:45:00Z').metrics.first_response!.status).toBe('at_risk');
    expect(run('2025-11-01T14:30:00Z', [], '2025-11-01T14:45:00.001Z').metrics.first_response!.status).toBe('breached');
  });

  it('a target that runs out at closing is due at closing; a Saturday reply is late', () => {
    // 30 min first response from Friday 16:30 → Friday 17:00
    const a = urgent('office', 30, 240);
    const due = run('2025-10-31T16:30:00Z', [], '2025-10-31T16:40:00Z', ctx({}, office), a);
    expect(due.metrics.first_response!.dueAt).toBe(Z('2025-10-31T17:00:00Z'));
    const sat = run('2025-10-31T16:30:00Z', [{ at: '2025-11-01T10:00:00Z', type: 'reply' }], '2025-11-01T11:00:00Z', ctx({}, office), a);
    expect(sat.metrics.first_response!.elapsed).toBe(30);
    expect(sat.metrics.first_response!.status).toBe('breached');
    expect(sat.metrics.first_response!.breachedAt).toBe(Z('2025-10-31T17:00:00Z'));
  });

  it('a ticket created outside open hours starts counting at the next opening', () => {
    const c = run('2025-11-01T12:00:00Z', [], '2025-11-03T10:00:00Z', ctx({}, office), urgent('office'));
    expect(c.metrics.resolution!.elapsed).toBe(60);
    expect(c.metrics.resolution!.dueAt).toBe(Z('2025-11-03T13:00:00Z'));
  });

  it('events after `now` are ignored (state as of --at)', () => {
    const c = run('2025-11-01T14:30:00Z', [{ at: '2025-11-01T18:15:00Z', type: 'status', value: 'resolved' }], '2025-11-01T16:30:00Z');
    expect(c.metrics.resolution!.status).toBe('on_time');
    expect(c.metrics.resolution!.elapsed).toBe(120);
    expect(c.resolvedAt).toBeNull();
  });
});

describe('pauses', () => {
  it('waiting_customer pauses on a business calendar; only open time outside the pause counts', () => {
    // Mon 09:00 created; waiting Mon 10:00 → Tue 11:00; 4 h target: 1 h Mon + from Tue 11:00 3 h → 14:00
    const c = run('2025-11-03T09:00:00Z', [
      { at: '2025-11-03T10:00:00Z', type: 'status', value: 'waiting_customer' },
      { at: '2025-11-04T11:00:00Z', type: 'status', value: 'open' },
    ], '2025-11-04T12:00:00Z', ctx({}, office), urgent('office'));
    const r = c.metrics.resolution!;
    expect(r.elapsed).toBe(120);
    expect(r.dueAt).toBe(Z('2025-11-04T14:00:00Z'));
    expect(c.totalPausedMs / 60_000).toBe(25 * 60);
  });

  it('while paused dueAt is null and status paused; pausedAt is the pause start', () => {
    const c = run('2025-11-03T09:00:00Z', [{ at: '2025-11-03T10:00:00Z', type: 'status', value: 'pending' }], '2025-11-03T12:00:00Z', ctx({}, office), urgent('office'));
    expect(c.metrics.resolution!.dueAt).toBeNull();
    expect(c.metrics.resolution!.status).toBe('paused');
    expect(c.slaStatus).toBe('breached'); // first response (15 min) ran out at 09:15
    expect(c.pausedAt).toBe(Z('2025-11-03T10:00:00Z'));
  });

  it('pauseOnCustomerWaiting off: waiting_customer does not pause', () => {
    const c = run('2025-11-03T09:00:00Z', [{ at: '2025-11-03T10:00:00Z', type: 'status', value: 'waiting_customer' }], '2025-11-03T12:00:00Z', ctx({ pauseStatuses: new Set() }, office), urgent('office'));
    expect(c.metrics.resolution!.elapsed).toBe(180);
    expect(c.metrics.resolution!.percent).toBe(75);
    expect(c.metrics.resolution!.status).toBe('on_time');
  });

  it('a pause that starts and ends outside open hours moves nothing', () => {
    const events = [
      { at: '2025-10-31T18:00:00Z', type: 'pause' },
      { at: '2025-11-03T08:00:00Z', type: 'resume' },
    ];
    const c = run('2025-10-31T16:30:00Z', events, '2025-11-03T09:30:00Z', ctx({}, office), urgent('office'));
    expect(c.metrics.resolution!.dueAt).toBe(Z('2025-11-03T12:30:00Z'));
    expect(c.totalPausedMs / 60_000).toBe(62 * 60);
  });

  it('a pause from Friday 16:45 to Monday 10:00 takes 15 min of Friday and 1 h of Monday', () => {
    const c = run('2025-10-31T16:30:00Z', [
      { at: '2025-10-31T16:45:00Z', type: 'pause' },
      { at: '2025-11-03T10:00:00Z', type: 'resume' },
    ], '2025-11-03T10:30:00Z', ctx({}, office), urgent('office'));
    expect(c.metrics.resolution!.elapsed).toBe(45);
    expect(c.metrics.resolution!.dueAt).toBe(Z('2025-11-03T13:45:00Z'));
  });

  it('a manual pause with `until` resumes by itself', () => {
    const c = run('2025-11-01T14:00:00Z', [{ at: '2025-11-01T15:00:00Z', type: 'pause', until: Z('2025-11-01T16:30:00Z') }], '2025-11-01T17:00:00Z');
    expect(c.metrics.resolution!.paused).toBe(false);
    expect(c.metrics.resolution!.dueAt).toBe(Z('2025-11-01T19:30:00Z'));
    const during = run('2025-11-01T14:00:00Z', [{ at: '2025-11-01T15:00:00Z', type: 'pause', until: Z('2025-11-01T16:30:00Z') }], '2025-11-01T16:00:00Z');
    expect(during.metrics.resolution!.status).toBe('paused');
    expect(during.pauseUntil).toBe(Z('2025-11-01T16:30:00Z'));
    expect(during.nextChangeAt).toBe(Z('2025-11-01T16:30:00Z'));
  });

  it('a clock that breached before the pause stays breached with dueAt = the breach instant', () => {
    const c = run('2025-11-01T14:00:00Z', [{ at: '2025-11-01T19:00:00Z', type: 'status', value: 'pending' }], '2025-11-01T20:00:00Z');
    expect(c.metrics.resolution!.status).toBe('breached');
    expect(c.metrics.resolution!.dueAt).toBe(Z('2025-11-01T18:00:00Z'));
  });

  it('a first response during a pause stops that clock at the reply; paused time does not count', () => {
    const c = run('2025-11-01T14:00:00Z', [
      { at: '2025-11-01T14:05:00Z', type: 'status', value: 'pending' },
      { at: '2025-11-01T14:30:00Z', type: 'reply' },
      { at: '2025-11-01T15:00:00Z', type: 'status', value: 'open' },
    ], '2025-11-01T16:00:00Z');
    const f = c.metrics.first_response!;
    expect(f.elapsed).toBe(5);
    expect(f.status).toBe('met');
    expect(f.stoppedAt).toBe(Z('2025-11-01T14:30:00Z'));
    expect(c.metrics.resolution!.elapsed).toBe(65);
  });
});

describe('stops, reopens, resets', () => {
  it('a reopen resumes the resolution clock where it stopped; the final resolution decides', () => {
    const c = run('2025-11-01T10:00:00Z', [
      { at: '2025-11-01T10:10:00Z', type: 'reply' },
      { at: '2025-11-01T11:00:00Z', type: 'status', value: 'resolved' },
      { at: '2025-11-01T15:00:00Z', type: 'status', value: 'open' },
      { at: '2025-11-01T17:30:00Z', type: 'status', value: 'resolved' },
    ], '2025-11-02T00:00:00Z');
    const r = c.metrics.resolution!;
    expect(r.elapsed).toBe(60 + 150);
    expect(r.status).toBe('met');
    const late = run('2025-11-01T10:00:00Z', [
      { at: '2025-11-01T11:00:00Z', type: 'status', value: 'resolved' },
      { at: '2025-11-01T15:00:00Z', type: 'status', value: 'open' },
      { at: '2025-11-01T19:00:00Z', type: 'status', value: 'closed' },
    ], '2025-11-02T00:00:00Z').metrics.resolution!;
    expect(late.elapsed).toBe(300);
    expect(late.status).toBe('breached');
    expect(late.breachedAt).toBe(Z('2025-11-01T18:00:00Z'));
  });

  it('resolving before any reply stops the first-response clock; a reopen does not restart it', () => {
    const c = run('2025-11-01T10:00:00Z', [
      { at: '2025-11-01T10:05:00Z', type: 'status', value: 'resolved' },
      { at: '2025-11-01T12:00:00Z', type: 'status', value: 'open' },
    ], '2025-11-01T13:00:00Z');
    expect(c.metrics.first_response!.status).toBe('met');
    expect(c.metrics.first_response!.elapsed).toBe(5);
    expect(c.metrics.resolution!.elapsed).toBe(65);
  });

  it('reset without --recalculate restarts the running clocks now with the same targets; a given first response stays', () => {
    const c = run('2025-11-01T10:00:00Z', [
      { at: '2025-11-01T10:05:00Z', type: 'reply' },
      { at: '2025-11-01T16:00:00Z', type: 'reset' },
    ], '2025-11-01T17:00:00Z');
    expect(c.cycle).toBe(1);
    expect(c.metrics.resolution!.elapsed).toBe(60);
    expect(c.metrics.resolution!.dueAt).toBe(Z('2025-11-01T20:00:00Z'));
    expect(c.metrics.resolution!.status).toBe('on_time');
    expect(c.metrics.first_response!.status).toBe('met');
  });

  it('reset --recalculate measures from the original start with the new targets', () => {
    const c = run('2025-11-01T10:00:00Z', [
      { at: '2025-11-01T11:00:00Z', type: 'reset', recalculate: true, assignment: { policy: 'q', calendar: 'always', targets: { firstResponse: 60, resolution: 480 } } },
    ], '2025-11-01T12:00:00Z');
    expect(c.cycle).toBe(1);
    expect(c.assignment!.policy).toBe('q');
    expect(c.metrics.resolution!.elapsed).toBe(120);
    expect(c.metrics.resolution!.dueAt).toBe(Z('2025-11-01T18:00:00Z'));
  });
});

describe('priority changes and tiers', () => {
  const policies: PolicyDef[] = [
    { name: 'ent', match: { tier: ['enterprise'] }, calendar: 'always', targets: { urgent: { firstResponse: 15, resolution: 240 }, low: { firstResponse: 60, resolution: 960 } } },
    { name: 'std', match: null, calendar: 'always', targets: { urgent: { firstResponse: 30, resolution: 480 }, low: { firstResponse: 120, resolution: 1920 } } },
  ];
  const events = [{ at: '2025-11-01T11:00:00Z', type: 'priority', value: 'urgent' }];
  const low: Assignment = { policy: 'std', calendar: 'always', targets: { firstResponse: 120, resolution: 1920 } };
  const targetsForPriority = (p: string, pr: string) => policies.find((x) => x.name === p)!.targets[pr] ?? null;

  it('without recalculateOnPriorityChange a promise made is kept', () => {
    const c = evaluateClock({ createdAt: Z('2025-11-01T10:00:00Z'), priority: 'low', assignment: low, events: events.map((e) => ({ ...e, at: Z(e.at) })) }, ctx(), Z('2025-11-01T12:00:00Z'));
    expect(c.priority).toBe('urgent');
    expect(c.metrics.resolution!.target).toBe(1920);
  });

  it('with it, the new priority\'s targets apply from the original start', () => {
    const c = evaluateClock({ createdAt: Z('2025-11-01T10:00:00Z'), priority: 'low', assignment: low, events: events.map((e) => ({ ...e, at: Z(e.at) })) }, ctx({ targetsForPriority }), Z('2025-11-01T12:00:00Z'));
    expect(c.metrics.resolution!.target).toBe(480);
    expect(c.metrics.resolution!.dueAt).toBe(Z('2025-11-01T18:00:00Z'));
    expect(c.metrics.first_response!.status).toBe('breached');
  });

  it('tier multipliers scale the matched policy\'s targets', () => {
    const r = assignPolicy(policies, { tier: 'Enterprise' }, 'urgent', { enterprise: 0.5 });
    expect(r.ok && r.assignment).toEqual({ policy: 'ent', calendar: 'always', targets: { firstResponse: 7.5, resolution: 120 } });
    const s = assignPolicy(policies, { tier: 'business' }, 'urgent', { enterprise: 0.5, business: 0.75 });
    expect(s.ok && s.assignment.targets).toEqual({ firstResponse: 22.5, resolution: 360 });
  });

  it('match trace explains each policy tried; a missing priority gets no SLA', () => {
    const m = matchPolicy(policies, { tier: 'business' });
    expect(m.policy!.name).toBe('std');
    expect(m.trace[0]).toEqual({ name: 'ent', matched: false, reason: 'tier is "business", not one of enterprise' });
    const none = assignPolicy(policies, { tier: 'enterprise' }, 'medium', {});
    expect(none.ok).toBe(false);
    expect(!none.ok && none.reason).toBe('policy ent has no targets for priority medium');
  });
});

describe('overall status', () => {
  it('is the worst metric: breached > at_risk > paused > on_time, met counting as on_time', () => {
    const c = run('2025-11-01T10:00:00Z', [{ at: '2025-11-01T10:05:00Z', type: 'reply' }], '2025-11-01T10:30:00Z');
    expect(c.metrics.first_response!.status).toBe('met');
    expect(c.slaStatus).toBe('on_time');
    const risky = run('2025-11-01T10:00:00Z', [{ at: '2025-11-01T10:05:00Z', type: 'reply' }], '2025-11-01T13:30:00Z');
    expect(risky.slaStatus).toBe('at_risk');
    expect(risky.nextChangeAt).toBe(Z('2025-11-01T14:00:00Z'));
  });

  it('no assignment → no metrics and no status', () => {
    const c = evaluateClock({ createdAt: 0, priority: null, assignment: null, events: [] }, ctx(), 1000);
    expect(c.metrics.resolution).toBeNull();
    expect(c.slaStatus).toBeNull();
  });
});
