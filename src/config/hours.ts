// Parsing of "HH:MM-HH:MM" open-hours intervals.
// TODO: use parseInterval from domain/calendar once it exists (same contract; the lead reconciles).
import type { DayInterval } from '../domain/types.js';

const RANGE = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/;

/** The hint every interval error ends with. */
export const INTERVAL_HINT = 'use "HH:MM-HH:MM"';

/**
 * Parses one open-hours interval of a local day.
 * - `"09:00-17:00"` → `{start: 540, end: 1020}` (minutes from local midnight);
 * - end <= start means it crosses midnight: `"22:00-06:00"` → `{start: 1320, end: 1800}`;
 * - `"00:00-24:00"` is the whole day `{start: 0, end: 1440}`; 24:00 may only end a range;
 * - start == end (`"09:00-09:00"`) is empty → `null`.
 * Throws an Error whose message quotes the input and says what to write on anything else
 * (`"25:00-26:00" is not a time range; use "HH:MM-HH:MM"`).
 */
export function parseInterval(text: string): DayInterval | null {
  const bad = (why?: string): Error =>
    new Error(`${JSON.stringify(text)} is not a time range${why ? ` (${why})` : ''}; ${INTERVAL_HINT}`);
  if (typeof text !== 'string') throw bad();
  const m = RANGE.exec(text);
  if (!m) throw bad();
  const [h1, m1, h2, m2] = [m[1], m[2], m[3], m[4]].map(Number);
  const valid = (h: number, min: number): boolean => min < 60 && (h < 24 || (h === 24 && min === 0));
  if (!valid(h1, m1) || !valid(h2, m2)) throw bad();
  const start = h1 * 60 + m1;
  let end = h2 * 60 + m2;
  if (start === 1440) throw bad('24:00 can only end a range');
  if (end === start) return null;
  if (end < start) end += 1440;
  return { start, end };
}

/** "HH:MM" of minutes from local midnight (values >= 1440 wrap, except 1440 itself → "24:00"). */
export function formatClock(minutes: number): string {
  const m = minutes === 1440 ? 1440 : minutes % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** "HH:MM-HH:MM" of an interval, the inverse of parseInterval. */
export function formatInterval(iv: DayInterval): string {
  return `${formatClock(iv.start)}-${formatClock(iv.end)}`;
}
