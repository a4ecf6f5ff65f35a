// Pure helpers of the agents' commands: the manual-pause state, event insertion,
// and the timeline `sla show` prints.

import { describe, expect, it } from 'vitest';
import { manualPauseAt } from '../../src/app/ticket-ops.js';
import { storeInstant, withEvent } from '../../src/domain/ticket.js';
import { timeline } from '../../src/domain/explain.js';
import { Calendar } from '../../src/domain/calendar.js';
import { evaluateClock, type ClockEvent } from '../../src/domain/clock.js';
import type { TicketEvent } from '../../src/domain/ticket.js';
import type { CalendarSpec } from '../../src/domain/types.js';

const Z = (s: string): number => Date.parse(s);
const weekdays = (s: number, e: number) => [[], [{ start: s, end: e }], [{ start: s, end: e }], [{ start: s, end: e }], [{ start: s, end: e }], [{ start: s, end: e }], []];
const office = new Calendar({
  name: 'office', timezone: 'UTC', always: false, weekly: weekdays(9 * 60, 17 * 60), holidays: [{ date: '2025-11-11', name: 'Armistice Day' }],
} as CalendarSpec);

describe('manualPauseAt', () => {
  const ev = (at: string, type: string, until?: string): TicketEvent => ({ at: Z(at), type, until: until ? Z(until) : null, reason: type });
  it('follows the clock: first pause wins, resume ends it, until ends it by itself', () => {
    const events = [ev('2025-11-03T10:00Z', 'pause', '2025-11-03T11:00Z'), ev('2025-11-03T10:30Z', 'pause'), ev('2025-11-03T12:00Z', 'pause'), ev('2025-11-03T13:00Z', 'resume')];
    expect(manualPauseAt(events, Z('2025-11-03T09:59Z'))).toBeNull();
    expect(manualPauseAt(events, Z('2025-11-03T10:45Z'))).toMatchObject({ since: Z('2025-11-03T10:00Z'), until: Z('2025-11-03T11:00Z') });
    expect(manualPauseAt(events, Z('2025-11-03T11:00Z'))).toBeNull();
    expect(manualPauseAt(events, Z('2025-11-03T12:30Z'))).toMatchObject({ since: Z('2025-11-03T12:00Z'), until: null });
    expect(manualPauseAt(events, Z('2025-11-03T13:00Z'))).toBeNull();
  });

  it('withEvent keeps time order (after events at the same instant); storeInstant never goes before the last event', () => {
    const events: TicketEvent[] = [{ at: 1, type: 'a' }, { at: 5, type: 'b' }, { at: 5, type: 'c' }, { at: 9, type: 'd' }];
    expect(withEvent(events, { at: 5, type: 'x' }).map((e) => e.type)).toEqual(['a', 'b', 'c', 'x', 'd']);
    expect(withEvent(events, { at: 0, type: 'x' }).map((e) => e.type)).toEqual(['x', 'a', 'b', 'c', 'd']);
    expect(storeInstant(7, events)).toBe(9);
    expect(storeInstant(12, events)).toBe(12);
  });
});

describe('timeline', () => {
  it('counted, closed (after hours, weekend, holiday by name), paused with its reason, stopped between resolve and reopen, projected', () => {
    const events: ClockEvent[] = [
      { at: Z('2025-11-07T16:00Z'), type: 'pause', reason: 'waiting for logs', actor: 'ana' } as TicketEvent,
      { at: Z('2025-11-10T10:00Z'), type: 'resume' },
      { at: Z('2025-11-10T12:00Z'), type: 'status', value: 'resolved' },
      { at: Z('2025-11-10T14:00Z'), type: 'status', value: 'open' },
    ];
    const now = Z('2025-11-12T10:00Z');
    const clock = evaluateClock(
      { createdAt: Z('2025-11-07T15:00Z'), priority: 'high', assignment: { policy: 'p', calendar: 'office', targets: { firstResponse: 60, resolution: 16 * 60 } }, events },
      { calendar: () => office, pauseStatuses: new Set(), atRiskPercent: 80 },
      now,
    );
    const res = clock.metrics.resolution!;
    const segs = timeline(res, office, events as TicketEvent[], now).map((s) => [
      new Date(s.from).toISOString().slice(5, 16), new Date(s.to).toISOString().slice(5, 16), s.kind, s.reason, s.projected,
    ]);
    expect(segs).toEqual([
      ['11-07T15:00', '11-07T16:00', 'counted', null, false],
      ['11-07T16:00', '11-10T10:00', 'paused', 'sla pause by ana: waiting for logs', false],
      ['11-10T10:00', '11-10T12:00', 'counted', null, false],
      ['11-10T12:00', '11-10T14:00', 'stopped', 'resolved', false],
      ['11-10T14:00', '11-10T17:00', 'counted', null, false],
      ['11-10T17:00', '11-12T09:00', 'closed', 'after hours, holiday: Armistice Day', false],
      ['11-12T09:00', '11-12T10:00', 'counted', null, false],
      ['11-12T10:00', '11-12T17:00', 'counted', null, true],
      ['11-12T17:00', '11-13T09:00', 'closed', 'after hours', true],
      ['11-13T09:00', '11-13T11:00', 'counted', null, true],
    ]);
    // 1 + 2 + 3 + 1 = 7 h counted so far; 16 h target → 9 h more: Wed 7 h + Thu 2 h.
    expect(res.elapsed).toBe(7 * 60);
    expect(res.dueAt).toBe(Z('2025-11-13T11:00Z'));
  });
});
