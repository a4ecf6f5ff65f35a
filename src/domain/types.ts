// Shared value types of the pure domain. Nothing here does I/O.

/** An instant: epoch milliseconds, UTC. Stored as INTEGER in SQLite. */
export type Instant = number;

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

import type { Metric, PerMetric } from './metrics.js';

export { METRICS, type Metric } from './metrics.js';

export const CANONICAL_STATUSES = [
  'new', 'open', 'in_progress', 'pending', 'waiting_customer', 'resolved', 'closed',
] as const;
export type Status = (typeof CANONICAL_STATUSES)[number];
export const DONE_STATUSES: ReadonlySet<string> = new Set(['resolved', 'closed']);

/**
 * An open interval of a local day, in minutes from that day's local midnight.
 * 0 <= start < end <= start + 1440; end > 1440 means it crosses midnight
 * (it belongs to the day it starts on). "00:00-24:00" is {start: 0, end: 1440}.
 */
export interface DayInterval { start: number; end: number }

/** A dated exception: closed (hours empty/absent) or open with its own hours. */
export interface HolidayDef {
  /** Local date, YYYY-MM-DD. */
  date: string;
  name?: string;
  /** Replaces that date's weekly hours; empty or absent = closed all day. */
  hours?: DayInterval[];
}

/** A validated calendar, as the config layer hands it to the domain. */
export interface CalendarSpec {
  name: string;
  /** IANA zone. */
  timezone: string;
  /** true for "24x7": every instant is open, no holidays. */
  always: boolean;
  /** Weekly open hours, index 0 = Sunday … 6 = Saturday. Missing/empty = closed. */
  weekly: DayInterval[][];
  /** Hand-typed holidays (these win over provider holidays on the same date). */
  holidays: HolidayDef[];
  /**
   * Public holidays of a country for one (local) year, e.g. from date-holidays.
   * Must be deterministic; called lazily, at most once per year.
   */
  holidayProvider?: (year: number) => HolidayDef[];
}

/** Targets in minutes, one per metric under its key (`firstResponse`, `resolution`). */
export type Targets = PerMetric<number>;

/** The part of a config escalation rule the domain needs (config/types.ts EscalationRule fits). */
export interface EscalationRuleDef {
  name: string;
  when: {
    metric?: Metric;
    elapsedMinutes?: number;
    atPercent?: number;
    overdueMinutes?: number;
    idleMinutes?: number;
    customerOpenAtLeast?: number;
    unassigned?: boolean;
    priority?: readonly string[];
    tier?: readonly string[];
    policy?: readonly string[];
  };
  actions?: {
    notify?: readonly string[];
    raisePriority?: boolean;
    assignTo?: string | null;
  };
}
