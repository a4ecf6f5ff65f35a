// Local wall-clock time <-> instants, and civil-date arithmetic. Pure: the only
// outside knowledge is the IANA time-zone database, read through luxon's
// IANAZone.offset (which uses Intl). Nothing here depends on the current time.
//
// Conventions used throughout:
//  - an *instant* is epoch milliseconds (UTC);
//  - a *local ms* value is a wall-clock reading written as if it were UTC
//    (daysFromCivil(y, m, d) * DAY + milliseconds since local midnight);
//  - offset(t) = local ms - instant at t (milliseconds, east of Greenwich positive).

import { IANAZone } from 'luxon';
import { DAY, MINUTE } from './types.js';
import type { Instant } from './types.js';

/** Days since 1970-01-01 → proleptic Gregorian civil date (H. Hinnant's algorithm). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = Math.floor(days) + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097; // [0, 146096]
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100)); // [0, 365]
  const mp = Math.floor((5 * doy + 2) / 153); // [0, 11], March-based
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/** Proleptic Gregorian civil date → days since 1970-01-01 (month and day are not range-checked). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400; // [0, 399]
  const mp = month > 2 ? month - 3 : month + 9; // [0, 11]
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1; // [0, 365]
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy; // [0, 146096]
  return era * 146097 + doe - 719468;
}

/** Weekday of a day number: 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOfDays(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : MONTH_DAYS[month - 1];
}

/** "YYYY-MM-DD" (a real calendar date) → day number; throws otherwise. */
export function parseDate(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) throw new Error(`"${text}" is not a date; use YYYY-MM-DD`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new Error(`"${text}" is not a real calendar date`);
  }
  return daysFromCivil(year, month, day);
}

const zones = new Map<string, IANAZone>();

/** A validated IANA zone (memoised; the memo never changes a result). Throws for an unknown zone. */
export function ianaZone(name: string): IANAZone {
  let z = zones.get(name);
  if (!z) {
    if (!IANAZone.isValidZone(name)) throw new Error(`unknown time zone "${name}"; use an IANA name such as "America/New_York"`);
    z = IANAZone.create(name);
    zones.set(name, z);
  }
  return z;
}

/** Offset of `zone` at instant `t`, in milliseconds (local = t + offset). */
export function offsetMs(zone: IANAZone, t: Instant): number {
  const minutes = zone.offset(t);
  if (!Number.isFinite(minutes)) throw new RangeError(`no time-zone offset for ${zone.name} at ${t}`);
  return Math.round(minutes * MINUTE);
}

/**
 * Local ms → instant, by the SPEC's rules:
 *  - a wall-clock time that occurs twice (fall-back overlap) is its FIRST occurrence
 *    (the earlier instant, i.e. with the offset in force before the transition);
 *  - a wall-clock time that does not exist (spring-forward gap) moves forward by the length
 *    of the gap: it is read with the offset in force before the gap (02:30 on a day that jumps
 *    02:00→03:00 becomes 03:30).
 *
 * `before`/`after` are the zone's offsets two days before/after the wall-clock reading. The
 * method assumes the zone changes offset at most once within that 4-day window, which holds
 * for every zone in the tz database.
 */
export function resolveLocalMs(zone: IANAZone, local: number, before: number, after: number): Instant {
  const t = existingReading(zone, local, before, after);
  // Nonexistent (gap): read with the pre-transition offset, which moves it forward by the gap.
  return Number.isNaN(t) ? local - before : t;
}

/**
 * The instant at which the wall clock reads `local` (the first occurrence if it reads it
 * twice), or NaN when it never does (a spring-forward gap). `before`/`after` as for resolveLocalMs.
 */
function existingReading(zone: IANAZone, local: number, before: number, after: number): Instant {
  if (before === after) return local - before;
  // A transition lies nearby. Each offset that maps back onto itself gives a valid reading.
  const t1 = local - before;
  const t2 = local - after;
  const ok1 = offsetMs(zone, t1) === before;
  const ok2 = offsetMs(zone, t2) === after;
  if (ok1 && ok2) return Math.min(t1, t2); // ambiguous: first occurrence
  if (ok1) return t1;
  if (ok2) return t2;
  return NaN;
}

/**
 * The instant at which the wall clock in `zone` first reads `local` or later — how the
 * boundaries of open intervals are placed. It differs from resolveLocalMs only for a
 * nonexistent time: that is placed at the transition itself (the end of the gap), so an open
 * interval keeps exactly the instants whose wall-clock time lies inside it: one that overlaps
 * the spring-forward gap shrinks by the overlap, one inside the gap vanishes. (An ambiguous
 * time is the first occurrence either way, so a 00:00–24:00 fall-back day is 25 h.)
 */
export function resolveBoundaryMs(zone: IANAZone, local: number, before: number, after: number): Instant {
  const t = existingReading(zone, local, before, after);
  if (!Number.isNaN(t)) return t;
  // In a gap: the offset is `before` at local - after and `after` at local - before; find the
  // transition between.
  let lo = local - after;
  let hi = local - before;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(zone, mid) === before) lo = mid; else hi = mid;
  }
  return hi;
}

/** Local ms → the instant the wall clock first reads it or later (see resolveBoundaryMs). */
export function boundaryToInstant(zone: IANAZone, local: number): Instant {
  return resolveBoundaryMs(zone, local, offsetMs(zone, local - 2 * DAY), offsetMs(zone, local + 2 * DAY));
}

/** Local ms in `zone` → instant (see resolveLocalMs for the rules). */
export function localMsToInstant(zone: IANAZone, local: number): Instant {
  return resolveLocalMs(zone, local, offsetMs(zone, local - 2 * DAY), offsetMs(zone, local + 2 * DAY));
}

/**
 * Local wall-clock time (no offset) in `zone` → instant. An ambiguous time (fall-back) is its
 * first occurrence; a nonexistent one (spring gap) moves forward by the length of the gap.
 * `minuteOfDay` may exceed 1440 (it then runs into the following days).
 */
export function localToInstant(
  zone: string, year: number, month: number, day: number, minuteOfDay: number, second = 0, ms = 0,
): Instant {
  const local = daysFromCivil(year, month, day) * DAY + minuteOfDay * MINUTE + second * 1000 + ms;
  return localMsToInstant(ianaZone(zone), local);
}
