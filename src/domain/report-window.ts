// The report's window in the config's zone: its instants, its local days, and the zone's
// offsets inside it (so SQL can bucket instants into local days without a time-zone library).

import { DateTime } from 'luxon';

/** How SQL turns an instant into the window's local day number. */
export interface DayIndex {
  /** Date.UTC(y, m, d) of the window's first local date. */
  localEpoch: number;
  /** The zone's UTC offset (ms) over the window: `offsetMs` applies to instants before `until` (null = to the end). */
  offsets: Array<{ until: number | null; offsetMs: number }>;
}

export interface ReportWindow {
  from: number;
  to: number;
  /** Local dates of the window, one per day. */
  dates: string[];
  day: DayIndex;
}

/** The longest window a report covers. */
export const MAX_DAYS = 3660;

/** `--days N`: today and the N-1 days before, as of `now`, in `zone` (to the end of today). */
export function lastDaysWindow(now: number, zone: string, days: number): ReportWindow {
  const today = DateTime.fromMillis(now, { zone }).startOf('day');
  return reportWindow(today.minus({ days: days - 1 }).toMillis(), today.plus({ days: 1 }).toMillis(), zone);
}

/** The window's instants and local days, computed with luxon in the config's zone. */
export function reportWindow(from: number, to: number, zone: string): ReportWindow {
  const first = DateTime.fromMillis(from, { zone }).startOf('day');
  const dates: string[] = [];
  const starts: number[] = [];
  for (let d = first; d.toMillis() < to; d = d.plus({ days: 1 })) {
    dates.push(d.toISODate()!);
    starts.push(Math.max(from, d.toMillis()));
    if (dates.length > MAX_DAYS + 1) break;
  }
  const off = (t: number): number => DateTime.fromMillis(t, { zone }).offset * 60_000;
  // The zone's offset is piecewise constant: find each change inside the window exactly.
  const points = [...starts, to - 1];
  const offsets: DayIndex['offsets'] = [];
  let cur = off(points[0]);
  for (let i = 1; i < points.length; i++) {
    if (off(points[i]) === cur) continue;
    let lo = points[i - 1];
    let hi = points[i];
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (off(mid) === cur) lo = mid;
      else hi = mid;
    }
    offsets.push({ until: hi, offsetMs: cur });
    cur = off(hi);
    i--; // another change may lie between hi and points[i]
    points[i] = hi;
  }
  offsets.push({ until: null, offsetMs: cur });
  return { from, to, dates, day: { localEpoch: Date.UTC(first.year, first.month - 1, first.day), offsets } };
}

