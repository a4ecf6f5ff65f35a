// Open-hours intervals in the config: parsed by the domain calendar's parser (one
// definition of what "HH:MM-HH:MM" means), formatted back for messages.
import type { DayInterval } from '../domain/types.js';

export { parseInterval } from '../domain/calendar.js';

/** "HH:MM" of minutes from local midnight (values >= 1440 wrap, except 1440 itself → "24:00"). */
export function formatClock(minutes: number): string {
  const m = minutes === 1440 ? 1440 : minutes % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** "HH:MM-HH:MM" of an interval, the inverse of parseInterval. */
export function formatInterval(iv: DayInterval): string {
  return `${formatClock(iv.start)}-${formatClock(iv.end)}`;
}
