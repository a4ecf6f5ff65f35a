// Reading instants typed by people: ISO-8601 with an offset, or a local
// wall-clock time read in a zone by the SPEC's DST rules. Pure.

import { localToInstant } from './calendar.js';
import { daysInMonth } from './localtime.js';
import type { Instant } from './types.js';

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parse `2025-10-31T16:30:00Z`, `2025-10-31T12:30-04:00`, `2025-10-31 12:30` or
 * `2025-10-31` (local midnight). A time without an offset is local to `zone`.
 * Returns null when the text is not such a time or names an impossible one.
 */
export function parseInstant(text: string, zone: string): Instant | null {
  const m = ISO.exec(text.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const h = m[4] !== undefined ? Number(m[4]) : 0;
  const mi = m[5] !== undefined ? Number(m[5]) : 0;
  const s = m[6] !== undefined ? Number(m[6]) : 0;
  const ms = m[7] !== undefined ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  if (h > 24 || mi > 59 || s > 59 || (h === 24 && (mi > 0 || s > 0 || ms > 0))) return null;
  const off = m[8];
  if (off) {
    let offsetMin = 0;
    if (off.toUpperCase() !== 'Z') {
      const sign = off[0] === '-' ? -1 : 1;
      const digits = off.slice(1).replace(':', '');
      const oh = Number(digits.slice(0, 2));
      const om = Number(digits.slice(2) || '0');
      if (oh > 23 || om > 59) return null;
      offsetMin = sign * (oh * 60 + om);
    }
    return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
  }
  return localToInstant(zone, y, mo, d, h * 60 + mi, s, ms);
}
