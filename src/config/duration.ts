// Durations in the config and on the command line. Everything is whole minutes.

const UNITS = /^(\d+)\s*h\s*(?:(\d+)\s*m)?$|^(\d+)\s*m$|^(\d+)$/i;

/** A JSON Schema pattern matching the duration strings parseDuration accepts (for editors). */
export const DURATION_PATTERN = '^\\s*(?:\\d+\\s*[hH](?:\\s*\\d+\\s*[mM])?|\\d+\\s*[mM]|\\d+)\\s*$';

export const DURATION_HINT = 'use e.g. "4h", "90m", "1h30m" or a number of minutes';

/** The longest duration taken (ten years of minutes): a longer target or pause is a typo, and would overflow the arithmetic. */
export const MAX_DURATION_MINUTES = 10 * 366 * 24 * 60;
const tooLong = (q: string): Error => new Error(`${q} is more than ten years; an SLA target or a pause that long is a typo (${DURATION_HINT})`);

/**
 * Minutes of a duration: a number of minutes (whole, > 0), or `"45"`, `"90m"`, `"4h"`,
 * `"1h30m"` (also `"1h 30m"`, the way formatDuration prints it; case-insensitive).
 * Days and weeks are refused on purpose: on a business calendar a "day" could mean 24 h or
 * one working day, so the hint asks for hours ("2d" → write "48h").
 * Throws an Error whose message quotes the input and says what to write instead.
 */
export function parseDuration(v: unknown): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`${String(v)} is not a duration; ${DURATION_HINT}`);
    if (!Number.isInteger(v)) {
      throw new Error(`${v} is not a whole number of minutes; use whole minutes, e.g. ${Math.max(1, Math.round(v))}`);
    }
    if (v <= 0) throw new Error(`${v} is not a duration: it must be more than 0 minutes`);
    if (v > MAX_DURATION_MINUTES) throw tooLong(String(v));
    return v;
  }
  if (typeof v !== 'string') {
    throw new Error(`${JSON.stringify(v) ?? String(v)} is not a duration; ${DURATION_HINT}`);
  }
  const text = v.trim();
  const q = JSON.stringify(v);
  const m = UNITS.exec(text);
  if (m) {
    const minutes = m[1] !== undefined
      ? Number(m[1]) * 60 + (m[2] !== undefined ? Number(m[2]) : 0)
      : Number(m[3] ?? m[4]);
    if (minutes <= 0) throw new Error(`${q} is not a duration: it must be more than 0 minutes`);
    if (!Number.isSafeInteger(minutes) || minutes > MAX_DURATION_MINUTES) throw tooLong(q);
    return minutes;
  }
  throw new Error(`${q} is not a duration; ${hintFor(text)}`);
}

/** A hint tailored to a near miss ("4 hours" → use "4h"), else the generic one. */
function hintFor(text: string): string {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)\.?$/i.exec(text);
  if (!m) return DURATION_HINT;
  const n = Number(m[1]);
  const unit = m[2].toLowerCase();
  const whole = (x: number): string => (Number.isInteger(x) ? String(x) : '');
  if (['d', 'day', 'days', 'w', 'wk', 'week', 'weeks'].includes(unit)) {
    const hours = n * (unit.startsWith('w') ? 168 : 24);
    const suggestion = Number.isInteger(hours) ? `"${hours}h"` : 'hours';
    return `a "${unit.startsWith('w') ? 'week' : 'day'}" is ambiguous on a business calendar (24 h or one working day?); write ${suggestion}`;
  }
  if (['h', 'hr', 'hrs', 'hour', 'hours'].includes(unit)) {
    if (whole(n)) return `use "${n}h" or minutes`;
    const minutes = n * 60;
    return Number.isInteger(minutes) ? `use "${minutes}m" or ${minutes}` : DURATION_HINT;
  }
  if (['m', 'min', 'mins', 'minute', 'minutes'].includes(unit)) {
    return whole(n) ? `use "${n}m" or ${n}` : 'use whole minutes';
  }
  if (['s', 'sec', 'secs', 'second', 'seconds'].includes(unit)) return 'SLA durations are whole minutes; use e.g. "5m"';
  return DURATION_HINT;
}

/**
 * Minutes for humans: "45m", "2h 05m", "50h 00m" (no days: see parseDuration), "-1h 10m"
 * for negative values (overdue). Rounded to the minute.
 */
export function formatDuration(minutes: number): string {
  if (!Number.isFinite(minutes)) return String(minutes);
  const total = Math.round(Math.abs(minutes));
  const sign = minutes < 0 && total > 0 ? '-' : '';
  const h = Math.floor(total / 60);
  const m = total % 60;
  return h === 0 ? `${sign}${m}m` : `${sign}${h}h ${String(m).padStart(2, '0')}m`;
}
