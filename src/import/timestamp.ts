// Reading the timestamps of an export: ISO 8601 (default), epoch seconds / milliseconds, or a
// luxon-style token pattern such as "d/M/yyyy HH:mm" — compiled once, then applied per row.
//
// A timestamp without an offset is a wall-clock time in `zone`, read by the SPEC §2 rules
// (implemented by localToInstant): a time that occurs twice (fall-back) is its first
// occurrence; a time in the spring-forward gap moves forward by the gap (02:30 on a day that
// jumps 02:00→03:00 is 03:30 new time).
//
// localToInstant asks the time-zone database (Intl, via luxon) a few times per call, which costs
// microseconds. A parser therefore memoises the offset that localToInstant applies, per LOCAL
// DAY and, on a day with a transition, per LOCAL HOUR: it resolves the span's first and last
// millisecond through localToInstant; when both were read with the same offset, every time
// inside the span was too (the rules pick the pre-transition offset up to and including an
// overlap or a gap, and the post-transition one after it; a zone changes offset at most once
// in a day), so the span is served by `local - offset`. A span whose two ends disagree is
// split: a transition day falls back to its hours, and an hour whose ends disagree (a
// transition that is not on an hour boundary, e.g. Australia/Lord_Howe's 30-minute shift, or
// historic LMT changes) sends every timestamp in it through localToInstant itself. Ordinary gap
// and overlap hours (02:00–03:00 on a 02:00→03:00 day, 01:00–02:00 on a fall-back day) have the
// same offset at both ends — the pre-transition one — so they are memoised, exactly as
// localToInstant reads them; the tests compare the two over random times.

import type { IANAZone } from 'luxon';
import { daysFromCivil, daysInMonth, ianaZone, localMsToInstant } from '../domain/localtime.js';
import { DAY, HOUR, MINUTE } from '../domain/types.js';
import { ImportError } from './errors.js';

/** ECMAScript's limit for a Date. */
const MAX_INSTANT = 8.64e15;
/** Memo entries (days, or hours of transition days) before a memo is cleared. */
const MEMO_LIMIT = 100_000;

export type TimestampParser = (text: string) => number | null;

interface TimestampOptions {
  /** undefined / "iso" = ISO 8601; "epoch_s"; "epoch_ms"; or a token pattern ("yyyy/MM/dd HH:mm:ss.SSS"). */
  format?: string;
  /** IANA zone for timestamps without an offset. */
  zone: string;
}

const TIMESTAMP_FORMAT_HINT =
  'use "iso", "epoch_s", "epoch_ms" or a pattern of yyyy yy MM M MMM dd d HH H hh h a mm m ss s SSS S u Z ZZ '
  + '(quote literal letters, e.g. "yyyy-MM-dd\'T\'HH:mm")';

/** Days from 1970-01-01 to the first of each month of 1900–2199 (a table beats the division-heavy general formula). */
const TABLE_Y0 = 1900;
const TABLE_Y1 = 2200;
const MONTH_START = new Float64Array((TABLE_Y1 - TABLE_Y0) * 12);
for (let y = TABLE_Y0; y < TABLE_Y1; y++) {
  for (let m = 1; m <= 12; m++) MONTH_START[(y - TABLE_Y0) * 12 + m - 1] = daysFromCivil(y, m, 1);
}

/** Day number of a valid civil date. */
function dayNumber(y: number, mo: number, d: number): number {
  return y >= TABLE_Y0 && y < TABLE_Y1 ? MONTH_START[(y - TABLE_Y0) * 12 + mo - 1] + d - 1 : daysFromCivil(y, mo, d);
}

/** (year, month, day, hour, minute, second, ms) local to a zone → instant. */
type LocalResolver = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number) => number;

/**
 * A memoised localToInstant for one zone (see the header comment). Fields must be in range
 * (hour 0–24; 24 only as 24:00:00.000, which is the next midnight).
 */
function createLocalResolver(zone: string): LocalResolver {
  let z: IANAZone;
  try {
    z = ianaZone(zone);
  } catch {
    throw new ImportError(`unknown time zone "${zone}"`, 'use an IANA zone name such as "Europe/Rome" or "America/New_York"');
  }
  // day → offset, or NaN when the day has a transition (then: hour → offset, or NaN)
  const days = new Map<number, number>();
  const hours = new Map<number, number>();
  /** The offset localToInstant applies to local ms `first` … `first + length - 1`, or NaN if not one. */
  const span = (first: number, length: number): number => {
    const a = first - localMsToInstant(z, first);
    const last = first + length - 1;
    const b = last - localMsToInstant(z, last);
    return a === b ? a : NaN;
  };
  return (y, mo, d, h, mi, s, ms) => {
    const midnight = dayNumber(y, mo, d) * DAY;
    if (h === 24) return localMsToInstant(z, midnight + DAY);
    const dayKey = ((y * 13) + mo) * 32 + d; // < 2^31 for years below 10000
    let off = days.get(dayKey);
    if (off === undefined) {
      if (days.size >= MEMO_LIMIT) days.clear();
      off = span(midnight, DAY);
      days.set(dayKey, off);
    }
    const local = midnight + h * HOUR + mi * MINUTE + s * 1000 + ms;
    if (off !== off) {
      const hourKey = dayKey * 24 + h;
      off = hours.get(hourKey);
      if (off === undefined) {
        if (hours.size >= MEMO_LIMIT) hours.clear();
        off = span(midnight + h * HOUR, HOUR);
        hours.set(hourKey, off);
      }
      if (off !== off) return localMsToInstant(z, local);
    }
    return local - off;
  };
}

/** Two digits at i, or -1. */
function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  if (!(a >= 0 && a <= 9 && b >= 0 && b <= 9)) return -1;
  return a * 10 + b;
}

function validClock(h: number, mi: number, s: number, ms: number): boolean {
  if (mi > 59 || s > 59 || ms > 999) return false;
  return h < 24 || (h === 24 && mi === 0 && s === 0 && ms === 0);
}

/**
 * ISO 8601 by charCode: YYYY-MM-DD[(T|t|space)HH:mm[:ss[(.|,)fraction]]][ ][Z|±HH[[:]MM]].
 * Without an offset the time is local (`local`); a bare date is local midnight.
 */
function parseIso(s: string, local: LocalResolver): number | null {
  let i = 0;
  let n = s.length;
  if (n === 0) return null;
  if (s.charCodeAt(0) <= 32 || s.charCodeAt(n - 1) <= 32) {
    while (i < n && s.charCodeAt(i) <= 32) i++;
    while (n > i && s.charCodeAt(n - 1) <= 32) n--;
  }
  if (n - i < 10) return null;
  const y1 = d2(s, i);
  const y2 = d2(s, i + 2);
  if (y1 < 0 || y2 < 0 || s.charCodeAt(i + 4) !== 45 || s.charCodeAt(i + 7) !== 45) return null;
  const y = y1 * 100 + y2;
  const mo = d2(s, i + 5);
  const d = d2(s, i + 8);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  let p = i + 10;
  let h = 0;
  let mi = 0;
  let sec = 0;
  let ms = 0;
  if (p < n) {
    const c = s.charCodeAt(p);
    const next = s.charCodeAt(p + 1);
    if (c === 84 || c === 116 || (c === 32 && next >= 48 && next <= 57)) {
      h = d2(s, p + 1);
      if (h < 0 || s.charCodeAt(p + 3) !== 58) return null;
      mi = d2(s, p + 4);
      if (mi < 0) return null;
      p += 6;
      if (p < n && s.charCodeAt(p) === 58) {
        sec = d2(s, p + 1);
        if (sec < 0) return null;
        p += 3;
        if (p < n && (s.charCodeAt(p) === 46 || s.charCodeAt(p) === 44)) {
          p++;
          let digits = 0;
          let frac = 0;
          while (p < n) {
            const x = s.charCodeAt(p) - 48;
            if (x < 0 || x > 9) break;
            if (digits < 3) frac = frac * 10 + x;
            digits++;
            p++;
          }
          if (digits === 0 || digits > 9) return null;
          ms = digits === 1 ? frac * 100 : digits === 2 ? frac * 10 : frac;
        }
      }
      if (!validClock(h, mi, sec, ms)) return null;
    }
  }
  while (p < n && s.charCodeAt(p) === 32) p++;
  if (p === n) return local(y, mo, d, h, mi, sec, ms);
  const c = s.charCodeAt(p);
  let off = 0;
  if (c === 90 || c === 122) {
    if (p + 1 !== n) return null;
  } else if (c === 43 || c === 45) {
    const oh = d2(s, p + 1);
    if (oh < 0 || oh > 23) return null;
    p += 3;
    let om = 0;
    if (p < n) {
      if (s.charCodeAt(p) === 58) p++;
      om = d2(s, p);
      if (om < 0 || om > 59) return null;
      p += 2;
    }
    if (p !== n) return null;
    off = (oh * 60 + om) * MINUTE;
    if (c === 45) off = -off;
  } else {
    return null;
  }
  return dayNumber(y, mo, d) * DAY + h * HOUR + mi * MINUTE + sec * 1000 + ms - off;
}

/** "-12.5" style number → ms, or null. */
function parseEpoch(text: string, factor: number): number | null {
  const s = text.trim();
  const n = s.length;
  if (n === 0) return null;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  let digits = 0;
  let dot = false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot) dot = true;
    else return null;
  }
  if (digits === 0) return null;
  const t = Math.round(Number(s) * factor);
  return Number.isFinite(t) && Math.abs(t) <= MAX_INSTANT ? t : null;
}

// ------------------------------------------------------------------ token patterns

type SlotKind = 'y' | 'yy' | 'M' | 'MMM' | 'MMMM' | 'd' | 'H' | 'h' | 'a' | 'm' | 's' | 'S' | 'u' | 'Z';

const MONTHS_LONG = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september',
  'october', 'november', 'december'];
const MONTHS_SHORT = MONTHS_LONG.map((m) => m.slice(0, 3));

const TOKENS: Record<string, { re: string; kind: SlotKind }> = {
  yyyy: { re: '(\\d{4})', kind: 'y' },
  yy: { re: '(\\d{2})', kind: 'yy' },
  y: { re: '(\\d{1,4})', kind: 'y' },
  MMMM: { re: `(${MONTHS_LONG.join('|')})`, kind: 'MMMM' },
  MMM: { re: `(${MONTHS_SHORT.join('|')})`, kind: 'MMM' },
  MM: { re: '(\\d{2})', kind: 'M' },
  M: { re: '(\\d{1,2})', kind: 'M' },
  dd: { re: '(\\d{2})', kind: 'd' },
  d: { re: '(\\d{1,2})', kind: 'd' },
  HH: { re: '(\\d{2})', kind: 'H' },
  H: { re: '(\\d{1,2})', kind: 'H' },
  hh: { re: '(\\d{2})', kind: 'h' },
  h: { re: '(\\d{1,2})', kind: 'h' },
  a: { re: '([ap]\\.?m\\.?)', kind: 'a' },
  mm: { re: '(\\d{2})', kind: 'm' },
  m: { re: '(\\d{1,2})', kind: 'm' },
  ss: { re: '(\\d{2})', kind: 's' },
  s: { re: '(\\d{1,2})', kind: 's' },
  SSS: { re: '(\\d{3})', kind: 'S' },
  S: { re: '(\\d{1,3})', kind: 'S' },
  u: { re: '(\\d{1,9})', kind: 'u' },
  Z: { re: '(z|[+-]\\d{1,2}(?::?\\d{2})?)', kind: 'Z' },
  ZZ: { re: '(z|[+-]\\d{1,2}(?::?\\d{2})?)', kind: 'Z' },
  ZZZ: { re: '(z|[+-]\\d{1,2}(?::?\\d{2})?)', kind: 'Z' },
};

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function badFormat(format: string, why: string): ImportError {
  return new ImportError(`timestamp format "${format}": ${why}`, TIMESTAMP_FORMAT_HINT);
}

/**
 * A piece of a pattern for the digit scanner (see scanDigits): a literal (lower case), a run
 * of blanks, or a numeric slot of min…max digits.
 */
type ScanStep = { lit: string } | { ws: true } | { slot: number; min: number; max: number };

/** Compiles a token pattern into one anchored, case-insensitive regex plus the meaning of each group. */
function compilePattern(format: string): { re: RegExp; slots: SlotKind[]; steps: ScanStep[] } {
  let src = '^';
  const slots: SlotKind[] = [];
  const steps: ScanStep[] = [];
  let i = 0;
  const n = format.length;
  while (i < n) {
    const c = format[i];
    if (c === "'") {
      // quoted literal; '' inside (or on its own) is a quote
      let j = i + 1;
      let lit = '';
      for (;;) {
        if (j >= n) throw badFormat(format, 'a quote (\') is not closed');
        if (format[j] === "'") {
          if (format[j + 1] === "'") { lit += "'"; j += 2; continue; }
          break;
        }
        lit += format[j++];
      }
      src += j === i + 1 ? "'" : escapeRe(lit);
      steps.push({ lit: (j === i + 1 ? "'" : lit).toLowerCase() });
      i = j + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (j < n && format[j] === c) j++;
      const tok = format.slice(i, j);
      const def = TOKENS[tok];
      if (def) {
        src += def.re;
        const digits = def.kind === 'u' ? null : /^\(\\d\{(\d)(?:,(\d))?\}\)$/.exec(def.re);
        if (digits) steps.push({ slot: slots.length, min: +digits[1], max: +(digits[2] ?? digits[1]) });
        else steps.push({ slot: -1, min: 0, max: 0 }); // not digits: the scanner leaves the pattern to the regex
        slots.push(def.kind);
      } else if (tok === 'T') {
        src += 'T';
        steps.push({ lit: 't' });
      } else {
        throw badFormat(format, `unknown token "${tok}"`);
      }
      i = j;
    } else if (/\s/.test(c)) {
      while (i < n && /\s/.test(format[i])) i++;
      src += '\\s+';
      steps.push({ ws: true });
    } else {
      src += escapeRe(c);
      steps.push({ lit: c.toLowerCase() });
      i++;
    }
  }
  const has = (...k: SlotKind[]): boolean => slots.some((s) => k.includes(s));
  if (!has('y', 'yy') || !has('M', 'MMM', 'MMMM') || !has('d')) {
    throw badFormat(format, 'needs a year (yyyy), a month (MM) and a day (dd)');
  }
  for (const k of new Set(slots)) {
    if (slots.filter((s) => s === k).length > 1) throw badFormat(format, 'a field appears twice');
  }
  if (has('h') && has('H')) throw badFormat(format, 'uses both 12-hour (h) and 24-hour (H) hours');
  return { re: new RegExp(`${src}$`, 'i'), slots, steps };
}

/**
 * A scanner for patterns of numeric slots, literals and blanks: fills `values` (by slot) and
 * says whether `text` matched, making no strings (a log has a timestamp or more on every row).
 * Null when the pattern has a slot that is not digits, or a slot of variable width followed by
 * another slot (where the regex may backtrack). A text the scanner does not match is given
 * to the regex, which decides: the scanner only ever agrees with it.
 */
function scanDigits(steps: ScanStep[], values: Float64Array): ((text: string) => boolean) | null {
  for (let k = 0; k < steps.length; k++) {
    const st = steps[k];
    if (!('slot' in st)) continue;
    if (st.slot < 0) return null;
    const next = steps[k + 1];
    if (st.min !== st.max && next !== undefined && 'slot' in next) return null;
  }
  const lits = steps.map((st) => ('lit' in st ? st.lit : ''));
  return (text) => {
    const n = text.length;
    let i = 0;
    for (let k = 0; k < steps.length; k++) {
      const st = steps[k];
      if ('slot' in st) {
        let v = 0;
        let d = 0;
        while (d < st.max && i < n) {
          const c = text.charCodeAt(i);
          if (c < 48 || c > 57) break;
          v = v * 10 + (c - 48);
          i++;
          d++;
        }
        if (d < st.min) return false;
        values[st.slot] = v;
      } else if ('ws' in st) {
        const i0 = i;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c !== 32 && c !== 9) break;
          i++;
        }
        if (i === i0) return false;
      } else {
        const lit = lits[k];
        for (let j = 0; j < lit.length; j++, i++) {
          if (i >= n) return false;
          let c = text.charCodeAt(i);
          if (c >= 65 && c <= 90) c += 32;
          if (c !== lit.charCodeAt(j)) return false;
        }
      }
    }
    return i === n;
  };
}

function parseOffset(text: string): number {
  if (text === 'z' || text === 'Z') return 0;
  const sign = text.charCodeAt(0) === 45 ? -1 : 1;
  const body = text.slice(1).replace(':', '');
  let h: number;
  let m = 0;
  if (body.length <= 2) h = Number(body);
  else { h = Number(body.slice(0, body.length - 2)); m = Number(body.slice(-2)); }
  if (h > 23 || m > 59) return NaN;
  return sign * (h * 60 + m) * MINUTE;
}

function patternParser(format: string, local: LocalResolver, scanner = true): TimestampParser {
  const { re, slots, steps } = compilePattern(format);
  const count = slots.length;
  const values = new Float64Array(count);
  const scan = scanner ? scanDigits(steps, values) : null;
  return (raw) => {
    const text = raw.length > 0 && (raw.charCodeAt(0) <= 32 || raw.charCodeAt(raw.length - 1) <= 32) ? raw.trim() : raw;
    let m: RegExpExecArray | null = null;
    if (scan === null || !scan(text)) {
      m = re.exec(text);
      if (m === null) return null;
    }
    let y = 0;
    let mo = 1;
    let d = 1;
    let h = 0;
    let h12 = -1;
    let pm = -1;
    let mi = 0;
    let s = 0;
    let ms = 0;
    let off = NaN;
    for (let k = 0; k < count; k++) {
      if (m === null) {
        // scanned: every slot is a number
        const x = values[k];
        switch (slots[k]) {
          case 'y': y = x; break;
          case 'yy': y = x > 60 ? 1900 + x : 2000 + x; break;
          case 'M': mo = x; break;
          case 'd': d = x; break;
          case 'H': h = x; break;
          case 'h': h12 = x; break;
          case 'm': mi = x; break;
          case 's': s = x; break;
          case 'S': ms = x; break;
          default: return null; // not a digit slot (scanDigits would have been null)
        }
        continue;
      }
      const v = m[k + 1];
      switch (slots[k]) {
        case 'y': y = +v; break;
        case 'yy': { const t = +v; y = t > 60 ? 1900 + t : 2000 + t; break; } // luxon's cutoff
        case 'M': mo = +v; break;
        case 'MMM': mo = MONTHS_SHORT.indexOf(v.toLowerCase()) + 1; break;
        case 'MMMM': mo = MONTHS_LONG.indexOf(v.toLowerCase()) + 1; break;
        case 'd': d = +v; break;
        case 'H': h = +v; break;
        case 'h': h12 = +v; break;
        case 'a': pm = v.charCodeAt(0) === 112 || v.charCodeAt(0) === 80 ? 1 : 0; break;
        case 'm': mi = +v; break;
        case 's': s = +v; break;
        case 'S': ms = +v; break;
        case 'u': ms = Math.floor(+(`0.${v}`) * 1000); break;
        case 'Z': off = parseOffset(v); if (off !== off) return null; break;
      }
    }
    if (h12 >= 0) {
      if (pm < 0) h = h12; // "h" without "a": read as a 24-hour clock
      else {
        if (h12 < 1 || h12 > 12) return null;
        h = (h12 % 12) + (pm === 1 ? 12 : 0);
      }
    }
    if (y > 9999 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || !validClock(h, mi, s, ms)) return null;
    if (off === off) return dayNumber(y, mo, d) * DAY + h * HOUR + mi * MINUTE + s * 1000 + ms - off;
    return local(y, mo, d, h, mi, s, ms);
  };
}

/** Normalised name of the default format, or null for a pattern. */
function namedFormat(format: string | undefined): 'iso' | 'epoch_s' | 'epoch_ms' | null {
  if (format === undefined) return 'iso';
  const f = format.trim().toLowerCase();
  if (f === '' || f === 'iso' || f === 'iso8601' || f === 'iso-8601') return 'iso';
  if (f === 'epoch_s' || f === 'epoch' || f === 'unix') return 'epoch_s';
  if (f === 'epoch_ms') return 'epoch_ms';
  return null;
}

/** What a timestamp should look like, for reject reasons. */
export function describeTimestampFormat(format?: string): string {
  const named = namedFormat(format);
  if (named === 'iso') return 'ISO 8601, e.g. 2025-10-31T16:30:00Z';
  if (named === 'epoch_s') return 'epoch seconds';
  if (named === 'epoch_ms') return 'epoch milliseconds';
  return `format "${format}"`;
}

/**
 * Compiles a parser for one format and zone (throws ImportError for an unknown zone or a bad
 * pattern). The parser returns epoch ms (UTC), or null for text that is not a timestamp in that
 * format or names an impossible one (2025-02-30, 25:00, minute 60). 24:00:00 is the next
 * midnight. Leading/trailing blanks are ignored.
 */
export function compileTimestampParser(opts: TimestampOptions & { scanner?: boolean }): TimestampParser {
  const local = createLocalResolver(opts.zone);
  const named = namedFormat(opts.format);
  if (named === 'iso') return (text) => parseIso(text, local);
  if (named === 'epoch_s') return (text) => parseEpoch(text, 1000);
  if (named === 'epoch_ms') return (text) => parseEpoch(text, 1);
  return patternParser(opts.format as string, local, opts.scanner ?? true);
}
