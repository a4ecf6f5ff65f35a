// Presenting instants and durations: ISO-8601 UTC for machines, the config's
// zone (named) for people. Luxon is used here, at the edge, never in the domain's loops.

import { DateTime } from 'luxon';
import type { Instant } from '../domain/types.js';
export { formatDuration } from '../config/duration.js';

/** `2025-11-01T15:45:00Z` (milliseconds only when there are some); null stays null. */
export function isoUtc(t: Instant | null | undefined): string | null {
  if (t === null || t === undefined) return null;
  return new Date(t).toISOString().replace('.000Z', 'Z');
}

/** `2025-11-03 07:30 EST` in the given zone. */
export function localTime(t: Instant | null | undefined, zone: string): string {
  if (t === null || t === undefined) return '—';
  const dt = DateTime.fromMillis(t, { zone });
  return `${dt.toFormat('yyyy-MM-dd HH:mm')} ${zoneLabel(dt)}`;
}

/** `Mon 2025-11-03 07:30 EST`, for timelines. */
export function localTimeWithDay(t: Instant, zone: string): string {
  const dt = DateTime.fromMillis(t, { zone });
  return `${dt.toFormat('ccc yyyy-MM-dd HH:mm')} ${zoneLabel(dt)}`;
}

/** `HH:mm` local, with `(+1)` when it falls on a later local date than `dayStart`. */
export function localClock(t: Instant, zone: string, dayDate?: string): string {
  const dt = DateTime.fromMillis(t, { zone });
  const hhmm = dt.toFormat('HH:mm');
  if (dayDate && dt.toISODate() !== dayDate) {
    const days = Math.round(dt.startOf('day').diff(DateTime.fromISO(dayDate, { zone }), 'days').days);
    return hhmm === '00:00' && days === 1 ? '24:00' : `${hhmm}(+${days})`;
  }
  return hhmm;
}

function zoneLabel(dt: DateTime): string {
  const abbr = dt.toFormat('ZZZZ');
  return abbr === 'UTC' || /^[A-Z]{2,5}$/.test(abbr) ? abbr : `${dt.zoneName} (UTC${dt.toFormat('ZZ')})`;
}

/** Minutes rounded to 2 decimals, for JSON. */
export function minutes(x: number | null | undefined): number | null {
  if (x === null || x === undefined) return null;
  return Math.round(x * 100) / 100;
}

/** `s` in at most `n` characters, an ellipsis where it was cut. */
export function clip(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, Math.max(1, n - 1)) + '…';
}
