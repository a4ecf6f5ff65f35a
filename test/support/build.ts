// Builders of the domain's values for unit tests, each a plain default with overrides:
// a ticket, its stored SLA columns (computed), the settings the clock reads, a calendar —
// and a seeded PRNG for tests that generate data.

import type { Assignment } from '../../src/domain/clock.js';
import { Calendar, parseInterval } from '../../src/domain/calendar.js';
import { byMetric, type ByMetric } from '../../src/domain/metrics.js';
import type { ComputedSla, SlaSettings, StoredMetric, Ticket, TicketEvent } from '../../src/domain/ticket.js';
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

/** One of `xs`, by `rand`. */
export const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

/**
 * Up to six seeded events after `t` was created, none after `until` (replies, status changes,
 * pauses with or without an end, resumes, priority and assignee changes, resets), and `t`'s
 * fields as they leave it. `statusShare` and `endedPauses` shape the mix.
 */
export function randomHistory(rand: () => number, t: Ticket, until: number, o: { statusShare: number; endedPauses: number }): TicketEvent[] {
  const H = 3_600_000;
  const events: TicketEvent[] = [];
  let at = t.createdAt;
  const steps = Math.floor(rand() * 7);
  for (let k = 0; k < steps; k++) {
    at += Math.floor(rand() * 20 * H);
    if (at > until) break;
    const r = rand();
    if (r < 0.25) events.push({ at, type: 'reply', value: null });
    else if (r < 0.25 + o.statusShare) events.push({ at, type: 'status', value: pick(rand, ['open', 'in_progress', 'pending', 'waiting_customer', 'resolved', 'closed']) });
    else if (r < 0.65) events.push({ at, type: 'pause', value: null, until: rand() < o.endedPauses ? at + Math.floor(rand() * 30 * H) : null });
    else if (r < 0.72) events.push({ at, type: 'resume', value: null });
    else if (r < 0.8) events.push({ at, type: 'priority', value: pick(rand, ['urgent', 'high', 'medium']) });
    else if (r < 0.88) events.push({ at, type: 'assign', value: rand() < 0.3 ? null : pick(rand, ['ana', 'bo', 'dee']) });
    else if (r < 0.92) events.push({ at, type: 'reset', value: null });
  }
  for (const e of events) {
    if (e.type === 'status') t.status = e.value!;
    if (e.type === 'priority') t.priority = e.value!;
    if (e.type === 'assign') t.assignee = e.value ?? null;
    if (e.type === 'reply' && t.firstResponseAt === null) t.firstResponseAt = e.at;
  }
  return events;
}

/**
 * The report tests' config (its raw JSON): two calendars in `zone` — an office week with a lunch
 * break on Mondays and a short Friday, and 24×7 — a VIP policy for enterprise tickets and a
 * standard one, pauses while waiting for the customer, at risk at 75 %.
 */
export function reportConfig(zone: string): Record<string, unknown> {
  return {
    database: 'x.db',
    timezone: zone,
    priorities: ['urgent', 'high', 'medium', 'low'],
    pauseOnCustomerWaiting: true,
    pauseStatuses: ['pending', 'waiting_customer'],
    atRiskThresholdPercent: 75,
    tierMultipliers: { enterprise: 0.5 },
    calendars: {
      office: { timezone: zone, hours: { mon: ['08:00-12:00', '13:00-17:00'], tue: ['08:00-17:00'], wed: ['08:00-17:00'], thu: ['08:00-17:00'], fri: ['08:00-16:00'] } },
      always: '24x7',
    },
    policies: [
      { name: 'vip', match: { tier: ['enterprise'] }, calendar: 'always',
        targets: { urgent: { firstResponse: '30m', resolution: '4h' }, high: { firstResponse: '1h', resolution: '8h' } } },
      { name: 'standard', calendar: 'office',
        targets: { urgent: { firstResponse: '1h', resolution: '8h' }, high: { firstResponse: '2h', resolution: '16h' },
                   medium: { firstResponse: '4h', resolution: '24h' } } },
    ],
  };
}
