// Builders of the domain's values for unit tests, each a plain default with overrides:
// a ticket, its stored SLA columns (computed), the settings the clock reads, a calendar —
// and a seeded PRNG for tests that generate data.

import type { Assignment } from '../../src/domain/clock.js';
import { Calendar, parseInterval } from '../../src/domain/calendar.js';
import { byMetric, type ByMetric } from '../../src/domain/metrics.js';
import type { ComputedSla, SlaSettings, StoredMetric, Ticket } from '../../src/domain/ticket.js';
import type { CalendarSpec, DayInterval, HolidayDef } from '../../src/domain/types.js';

/** An instant from its ISO text. */
export const Z = (s: string): number => Date.parse(s);

/** A seeded PRNG (mulberry32): the benches' own (bench/lib.mjs), so a test and a bench draw the same data. */
export { mulberry32 } from '../../bench/lib.mjs';

/** Policy `p` on the 24×7 calendar, first response 60 min, resolution 240 min, unless told otherwise. */
export function assignment(over: { policy?: string; calendar?: string; firstResponse?: number; resolution?: number } = {}): Assignment {
  return {
    policy: over.policy ?? 'p', calendar: over.calendar ?? 'always',
    targets: { firstResponse: over.firstResponse ?? 60, resolution: over.resolution ?? 240 },
  };
}

/**
 * Ticket T: open, high (its initial priority: the priority given), created 2025-11-03 10:00 UTC,
 * nothing else known, on assignment() — then `over`.
 */
export function ticket(over: Partial<Ticket> = {}): Ticket {
  const priority = over.priority === undefined ? 'high' : over.priority;
  return {
    id: 'T', subject: null, requester: null, customer: null, tier: null, priority, status: 'open', assignee: null,
    group: null, channel: null, tags: [], custom: {}, createdAt: Z('2025-11-03T10:00:00Z'), firstResponseAt: null,
    resolvedAt: null, closedAt: null, updatedAt: null, initialPriority: priority, assignment: assignment(), noSlaReason: null,
    ...over,
  };
}

/** A ticket as the store tests keep it: `subject <id>` of customer acme, created at 1000 ms, 15 min / 240 min. */
export function storedTicket(id: string, over: Partial<Ticket> = {}): Ticket {
  return ticket({ id, subject: `subject ${id}`, customer: 'acme', createdAt: 1000, assignment: assignment({ firstResponse: 15 }), ...over });
}

/** What a test changes of `computed`'s state: any field, and any metric's stored fields. */
export type ComputedOver = Partial<Omit<ComputedSla, 'metrics'>> & { metrics?: Partial<ByMetric<Partial<StoredMetric>>> };

/** Stored SLA columns: every clock on time, nothing due, nothing paused, computed at 0 — then `over`. */
export function computed(over: ComputedOver = {}): ComputedSla {
  const { metrics, ...rest } = over;
  return {
    slaStatus: 'on_time', cycle: 0,
    metrics: byMetric((m) => ({ status: 'on_time', atRiskAt: null, dueAt: null, stoppedAt: null, elapsedMin: 0, ...metrics?.[m] })),
    breachedAt: null, pausedAt: null, totalPausedMs: 0, nextChangeAt: null, computedAt: 0, ...rest,
  };
}

/** `over` with every metric's stored status `status` (e.g. all paused). */
export function allMetrics(status: string): ComputedOver['metrics'] {
  return byMetric(() => ({ status }));
}

/** No policies, no multipliers, paused while pending or waiting for the customer, at risk at 80 % — then `over`. */
export function settings(over: Partial<SlaSettings> = {}): SlaSettings {
  return {
    policies: [], tierMultipliers: {}, pauseOnCustomerWaiting: true, pauseStatuses: ['pending', 'waiting_customer'],
    atRiskThresholdPercent: 80, recalculateOnPriorityChange: false, escalations: [], ...over,
  };
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
/** Open hours by day of the week, "HH:MM-HH:MM" each. */
export type Week = Partial<Record<(typeof DAYS)[number], string[]>>;
export const weekdays = (hours: string[]): Week => ({ mon: hours, tue: hours, wed: hours, thu: hours, fri: hours });
export const everyDay = (hours: string[]): Week => ({ ...weekdays(hours), sat: hours, sun: hours });
/** Intervals from their texts. */
export const intervals = (list: string[]): DayInterval[] => list.map(parseInterval).filter((x): x is DayInterval => x !== null);

export interface CalendarOptions {
  name?: string;
  timezone?: string;
  /** Open hours; without them the calendar is 24×7. */
  hours?: Week;
  holidays?: HolidayDef[];
  holidayProvider?: (year: number) => HolidayDef[];
}

/** The spec of a calendar: "always" (24×7) in UTC, or `name` (default "office") open `hours`. */
export function calendarSpec(o: CalendarOptions = {}): CalendarSpec {
  const { hours, ...rest } = o;
  return hours === undefined
    ? { name: 'always', timezone: 'UTC', always: true, weekly: [], holidays: [], ...rest }
    : { name: 'office', timezone: 'UTC', always: false, weekly: DAYS.map((d) => intervals(hours[d] ?? [])), holidays: [], ...rest };
}

export function calendar(o: CalendarOptions = {}): Calendar {
  return new Calendar(calendarSpec(o));
}

/** The office of most tests: Monday to Friday 09:00–17:00 (UTC unless told), then `o`. */
export function office(o: CalendarOptions = {}): Calendar {
  return calendar({ hours: weekdays(['09:00-17:00']), ...o });
}
