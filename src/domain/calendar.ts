// Business calendars: when is a calendar open, how much open time lies between two
// instants, and when does a given amount of open time run out.
//
// Design (in the spirit of zendesk/biz, where a calendar is a lazy stream of open
// segments): the open segments of whole local YEARS ("chunks") are computed on demand and
// cached, then flattened into sorted, merged Float64Arrays `starts`/`ends` with a prefix sum
// `cumBefore` (open ms before each segment, from the table's origin). Then
//   cumAt(t)          = binary search → open ms between the origin and t;
//   openBetween(a, b) = cumAt(b) - cumAt(a);
//   add(t, ms)        = the earliest instant whose cum reaches cumAt(t) + ms (binary search);
// so a 10,000-hour target costs the same as a 4-hour one. The table grows lazily, a year at
// a time, in either direction, whenever a query falls outside the range it covers.
//
// Semantics (SPEC §2):
//  - open hours are wall-clock times in the calendar's zone; counted time is real elapsed
//    time, so "00:00-24:00" on a fall-back day is 25 h and an interval whose local times lie
//    in a spring-forward gap shrinks or vanishes. Precisely: an interval [S, E) of local day D
//    runs from the instant the wall clock first reads D+S (or later) to the instant it first
//    reads D+E (or later). For an ambiguous time that is its first occurrence, as for any local
//    timestamp; a nonexistent time (in the gap) lands on the transition itself, so the part of
//    an interval inside the gap is dropped: 01:00-02:30 on a day that jumps 02:00→03:00 is 1 h
//    (01:00 → 03:00 new time), 02:30-04:00 is 1 h (03:00 → 04:00), 02:15-02:45 is empty, and a
//    skipped calendar day (Samoa, 2011-12-30) has no open time. (A bare local timestamp, e.g. a
//    --from value, follows localToInstant instead: 02:30 in the gap means 03:30.)
//  - an interval crossing midnight ("22:00-06:00") belongs to the day it STARTS on: a holiday
//    on that day removes it (or replaces it with the holiday's own hours), while a holiday on
//    the NEXT day does not cut it short — the night shift that began before the holiday runs
//    to its end; the holiday only governs intervals starting on its own date;
//  - a holiday removes its whole local date (23 h or 25 h alike) or replaces that date's weekly
//    hours by its own (which can open a weekend day);
//  - hand-typed holidays win over provider holidays on the same date;
//  - overlapping or touching intervals are merged.

import type { IANAZone } from 'luxon';
import type { CalendarSpec, DayInterval, HolidayDef, Instant } from './types.js';
import { DAY, MINUTE } from './types.js';
import {
  boundaryToInstant, civilFromDays, daysFromCivil, ianaZone, offsetMs, parseDate,
  weekdayOfDays,
} from './localtime.js';

export { civilFromDays, daysFromCivil, localToInstant } from './localtime.js';

/** Earliest and latest local years the table may cover. */
const MIN_YEAR = 1;
const MAX_YEAR = 9999;
/** Searching this many empty years past the last dated holiday with hours → "no open hours". */
const EMPTY_YEARS_LIMIT = 10;

/**
 * Parse "HH:MM-HH:MM" into a DayInterval; "00:00-24:00" = whole day, end <= start =
 * overnight, start == end = empty (null). Throws an Error that quotes the input and
 * says what to write: `"25:00-26:00" is not a time range; use "HH:MM-HH:MM" (…)`.
 */
export function parseInterval(text: string): DayInterval | null {
  const bad = (why?: string): Error =>
    new Error(`${JSON.stringify(text)} is not a time range; use "HH:MM-HH:MM"${why ? ` (${why})` : ''}`);
  if (typeof text !== 'string') throw bad();
  const m = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(text);
  if (!m) throw bad();
  const clock = (h: string, mm: string, which: string): number => {
    const hours = Number(h);
    const minutes = Number(mm);
    if (minutes > 59) throw bad(`${which} ${h}:${mm} has minutes above 59`);
    if (hours > 24 || (hours === 24 && minutes !== 0)) throw bad(`${h}:${mm} is not a time of day`);
    return hours * 60 + minutes;
  };
  const start = clock(m[1], m[2], 'start');
  let end = clock(m[3], m[4], 'end');
  if (start === 1440) throw bad('a range cannot start at 24:00; 24:00 can only end a range');
  if (end === start) return null;
  if (end < start) end += 1440; // crosses midnight
  return { start, end };
}

function checkInterval(iv: DayInterval, where: string): void {
  const ok = Number.isInteger(iv.start) && Number.isInteger(iv.end)
    && iv.start >= 0 && iv.start < 1440 && iv.end > iv.start && iv.end <= iv.start + 1440;
  if (!ok) throw new Error(`${where}: invalid open interval {start: ${iv.start}, end: ${iv.end}} (minutes from local midnight)`);
}

interface DayRule { name: string | null; hours: DayInterval[] }

/** How many segments past its start locate first looks for a deadline in. */
const NEAR_SEGMENTS = 8;

function upperBound(arr: Float64Array, n: number, x: number): number {
  // first index i in [0, n] with arr[i] > x
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] <= x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Sort [start, end) pairs by start and merge overlapping/touching ones; drops empty pairs. */
function mergePairs(pairs: number[]): number[] {
  const count = pairs.length / 2;
  let sorted = true;
  for (let i = 1; i < count; i++) if (pairs[2 * i] < pairs[2 * i - 2]) { sorted = false; break; }
  let order: number[] | null = null;
  if (!sorted) {
    order = Array.from({ length: count }, (_, i) => i);
    order.sort((x, y) => pairs[2 * x] - pairs[2 * y]);
  }
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    const i = order ? order[k] : k;
    const s = pairs[2 * i];
    const e = pairs[2 * i + 1];
    if (e <= s) continue;
    const last = out.length - 1;
    if (last > 0 && s <= out[last]) {
      if (e > out[last]) out[last] = e;
    } else {
      out.push(s, e);
    }
  }
  return out;
}

function checkInstant(t: number, what: string): void {
  if (!Number.isFinite(t)) throw new TypeError(`${what} must be a finite instant (epoch ms), got ${t}`);
}

export class Calendar {
  readonly name: string;
  readonly timezone: string;
  private readonly always: boolean;
  private readonly zone: IANAZone;
  private readonly weekly: DayInterval[][];
  /** Hand-typed holidays by day number. */
  private readonly hand = new Map<number, HolidayDef>();
  private readonly provider?: (year: number) => HolidayDef[];
  private readonly providerYears = new Set<number>();
  /** Provider holidays by day number. */
  private readonly provided = new Map<number, { name: string; hours: DayInterval[] }>();
  /** Last local year in which a hand-typed holiday opens hours (for the "no open hours" guard). */
  private readonly lastOpenHolidayYear: number;

  /** Cached per-year segments: flat [start, end, start, end, …], sorted and merged. */
  private readonly chunks = new Map<number, number[]>();
  private c0 = 0;
  private c1 = -1; // chunk years c0..c1 are in the table (empty table when c1 < c0)
  private n = 0;
  private starts = new Float64Array(0);
  private ends = new Float64Array(0);
  private cumBefore = new Float64Array(0);
  /**
   * Where each UTC day of the table begins in it: dayFirst[d] = the first segment starting
   * at or after dayBase + d days. Finding t's segment is then a step or two from its day's
   * entry, not a binary search over every segment of the table's years.
   */
  private dayBase = 0;
  private dayFirst = new Int32Array(0);
  /** Instants in [coverStart, coverEnd] are fully described by the table. */
  private coverStart = Infinity;
  private coverEnd = -Infinity;
  /** cumAt(coverEnd). */
  private cumCoverEnd = 0;

  constructor(spec: CalendarSpec) {
    this.name = spec.name;
    this.timezone = spec.timezone;
    this.always = spec.always;
    this.zone = ianaZone(spec.timezone);
    const where = `calendar ${spec.name}`;
    this.weekly = [];
    for (let d = 0; d < 7; d++) {
      const day = (spec.weekly && spec.weekly[d]) || [];
      for (const iv of day) checkInterval(iv, `${where}, weekday ${d}`);
      this.weekly.push(day.map((iv) => ({ start: iv.start, end: iv.end })));
    }
    if (spec.weekly && spec.weekly.length > 7) throw new Error(`${where}: weekly hours have more than 7 days`);
    let lastOpen = -Infinity;
    for (const h of spec.holidays ?? []) {
      const day = parseDate(h.date);
      for (const iv of h.hours ?? []) checkInterval(iv, `${where}, holiday ${h.date}`);
      // The first entry for a date wins (the config layer should refuse duplicates).
      if (!this.hand.has(day)) this.hand.set(day, { ...h, hours: h.hours?.map((iv) => ({ ...iv })) });
      if ((h.hours ?? []).length > 0) lastOpen = Math.max(lastOpen, civilFromDays(day).year);
    }
    this.lastOpenHolidayYear = lastOpen;
    this.provider = spec.holidayProvider;
  }

  // ---------------------------------------------------------------- public API

  /**
   * Earliest instant at which the open time counted from `from` reaches `ms` (ms <= 0 → from).
   * A target running out exactly at closing time is due AT the closing instant.
   */
  add(from: Instant, ms: number): Instant {
    checkInstant(from, 'from');
    if (!(ms > 0)) {
      if (Number.isNaN(ms)) throw new TypeError('duration must be a number of milliseconds');
      return from;
    }
    if (!Number.isFinite(ms)) throw new RangeError('duration must be finite');
    if (this.always) return from + ms;
    this.ensure(from, from);
    return this.locate(this.cumAt(from) + ms, false, from);
  }

  /** Open milliseconds in [a, b); 0 when b <= a. */
  openBetween(a: Instant, b: Instant): number {
    checkInstant(a, 'from');
    checkInstant(b, 'to');
    if (b <= a) return 0;
    if (this.always) return b - a;
    this.ensure(a, b);
    return this.cumAt(b) - this.cumAt(a);
  }

  /** Open segments clipped to [a, b), as [start, end] pairs in order (merged where they touch). */
  segmentsBetween(a: Instant, b: Instant): Array<[Instant, Instant]> {
    checkInstant(a, 'from');
    checkInstant(b, 'to');
    if (b <= a) return [];
    if (this.always) return [[a, b]];
    this.ensure(a, b);
    const { starts, ends, n } = this;
    let i = upperBound(starts, n, a) - 1;
    if (i < 0 || ends[i] <= a) i++;
    const out: Array<[Instant, Instant]> = [];
    for (; i < n && starts[i] < b; i++) {
      out.push([Math.max(starts[i], a), Math.min(ends[i], b)]);
    }
    return out;
  }

  /** Instant of the next opening at or after t (t itself if open at t). */
  nextOpen(t: Instant): Instant {
    checkInstant(t, 'time');
    if (this.always) return t;
    this.ensure(t, t);
    return this.locate(this.cumAt(t), true, t);
  }

  /**
   * One local day, for `sla calendar --month`: weekday 0 = Sunday, the holiday's name (null
   * when the date is not a holiday), and the day's open segments as instants — including an
   * overnight interval that starts that day (and runs into the next), but not one that started
   * the day before.
   */
  day(date: string): { date: string; weekday: number; holiday: string | null; segments: Array<[Instant, Instant]> } {
    const d = parseDate(date);
    const weekday = weekdayOfDays(d);
    if (this.always) {
      const s = boundaryToInstant(this.zone, d * DAY);
      const e = boundaryToInstant(this.zone, (d + 1) * DAY);
      return { date, weekday, holiday: null, segments: e > s ? [[s, e]] : [] };
    }
    const year = civilFromDays(d).year;
    this.loadHolidays(year);
    const rule = this.ruleFor(d, weekday);
    const pairs: number[] = [];
    for (const iv of rule.hours) {
      pairs.push(
        boundaryToInstant(this.zone, d * DAY + iv.start * MINUTE),
        boundaryToInstant(this.zone, d * DAY + iv.end * MINUTE),
      );
    }
    const merged = mergePairs(pairs);
    const segments: Array<[Instant, Instant]> = [];
    for (let i = 0; i < merged.length; i += 2) segments.push([merged[i], merged[i + 1]]);
    return { date, weekday, holiday: rule.name, segments };
  }

  // ---------------------------------------------------------------- table

  /** The last segment starting at or before t, or -1 (t must be covered). */
  private indexAt(t: number): number {
    const d = Math.floor((t - this.dayBase) / DAY);
    if (!(d >= 0 && d < this.dayFirst.length)) return upperBound(this.starts, this.n, t) - 1;
    // Every segment before dayFirst[d] starts before that day, so before t.
    const { starts, n } = this;
    let i = this.dayFirst[d];
    while (i < n && starts[i] <= t) i++;
    return i - 1;
  }

  /** Open ms from the table origin to t (t must be covered). */
  private cumAt(t: number): number {
    const i = this.indexAt(t);
    if (i < 0) return 0;
    const end = this.ends[i];
    return this.cumBefore[i] + (t < end ? t : end) - this.starts[i];
  }

  /**
   * Earliest instant at which the cumulative open time reaches `target` (strict: exceeds it,
   * i.e. the instant open time resumes after `target`), extending the table forward as needed.
   */
  private locate(target: number, strict: boolean, from: number): number {
    for (;;) {
      if (strict ? target < this.cumCoverEnd : target <= this.cumCoverEnd) {
        // The first segment whose cumulative end reaches (strict: exceeds) target. No segment
        // before from's can (their open time ends at or before cumAt(from) <= target, and
        // add's target is above it). A deadline is usually a few segments on: search the next
        // few by halves when it lies among them, else the rest of the table.
        const { starts, ends, cumBefore } = this;
        const last = this.n - 1;
        let lo = from >= this.coverStart && from <= this.coverEnd ? Math.max(0, this.indexAt(from)) : 0;
        let hi = Math.min(last, lo + NEAR_SEGMENTS);
        const cumNear = cumBefore[hi] + ends[hi] - starts[hi];
        if (!(strict ? cumNear > target : cumNear >= target)) {
          lo = Math.min(hi + 1, last);
          hi = last;
        }
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          const cumEnd = cumBefore[mid] + ends[mid] - starts[mid];
          if (strict ? cumEnd > target : cumEnd >= target) hi = mid; else lo = mid + 1;
        }
        return starts[lo] + (target - cumBefore[lo]);
      }
      // Not enough open time in the table: extend forward by an estimate of the years needed.
      const years = this.c1 - this.c0 + 1;
      const total = this.n > 0 ? this.cumBefore[this.n - 1] + this.ends[this.n - 1] - this.starts[this.n - 1] : 0;
      const before = this.cumCoverEnd;
      let step = total > 0 ? Math.min(50, Math.max(1, Math.ceil((target - before) / (total / years)))) : 1;
      if (this.c1 >= MAX_YEAR) throw new RangeError(`calendar ${this.name}: deadline beyond year ${MAX_YEAR}`);
      step = Math.min(step, MAX_YEAR - this.c1);
      this.setRange(this.c0, this.c1 + step);
      // Years after which an empty stretch of EMPTY_YEARS_LIMIT years means "never open".
      const horizon = Math.max(civilFromDays(Math.floor(from / DAY)).year, this.lastOpenHolidayYear);
      if (this.cumCoverEnd === before && this.c1 > horizon + EMPTY_YEARS_LIMIT) {
        throw new Error(`calendar ${this.name} has no open hours`);
      }
    }
  }

  /** Make sure [lo, hi] is covered by the table. */
  private ensure(lo: number, hi: number): void {
    if (lo >= this.coverStart && hi <= this.coverEnd) return;
    let want0 = this.chunkFor(lo, true);
    let want1 = this.chunkFor(hi, false);
    if (this.c1 >= this.c0) {
      want0 = Math.min(want0, this.c0);
      want1 = Math.max(want1, this.c1);
    }
    this.setRange(want0, want1);
  }

  /** The chunk year that must be in the table for instant t to be covered. */
  private chunkFor(t: number, low: boolean): number {
    const year = civilFromDays(Math.floor(t / DAY)).year;
    let y = year;
    if (low && t < this.chunkCoverStart(year)) y = year - 1;
    if (!low && t > this.chunkCoverEnd(year)) y = year + 1;
    if (y < MIN_YEAR || y > MAX_YEAR) throw new RangeError(`calendar ${this.name}: instant ${t} is outside years ${MIN_YEAR}–${MAX_YEAR}`);
    return y;
  }

  // Coverage of a table made of chunks c0..c1. Offsets lie within ±14 h (±1 day is used, to be
  // safe), and an interval ends less than 2 local days after its day's midnight. So:
  //  - intervals of days before chunk c0 end before Jan 1 (c0) + 2 d (UTC reading);
  //  - intervals of days after chunk c1 start after Jan 1 (c1 + 1) - 1 d.
  private chunkCoverStart(year: number): number {
    return (daysFromCivil(year, 1, 1) + 2) * DAY;
  }

  private chunkCoverEnd(year: number): number {
    return (daysFromCivil(year + 1, 1, 1) - 1) * DAY;
  }

  /** Rebuild the flat table from chunks y0..y1 (computing missing chunks). */
  private setRange(y0: number, y1: number): void {
    const parts: number[][] = [];
    let count = 0;
    for (let y = y0; y <= y1; y++) {
      let c = this.chunks.get(y);
      if (!c) {
        c = this.buildChunk(y);
        this.chunks.set(y, c);
      }
      parts.push(c);
      count += c.length;
    }
    const all: number[] = new Array(count);
    let k = 0;
    for (const p of parts) for (let i = 0; i < p.length; i++) all[k++] = p[i];
    const merged = mergePairs(all);
    const n = merged.length / 2;
    const starts = new Float64Array(n);
    const ends = new Float64Array(n);
    const cumBefore = new Float64Array(n);
    let cum = 0;
    for (let i = 0; i < n; i++) {
      starts[i] = merged[2 * i];
      ends[i] = merged[2 * i + 1];
      cumBefore[i] = cum;
      cum += ends[i] - starts[i];
    }
    this.starts = starts;
    this.ends = ends;
    this.cumBefore = cumBefore;
    this.n = n;
    this.c0 = y0;
    this.c1 = y1;
    this.coverStart = this.chunkCoverStart(y0);
    this.coverEnd = this.chunkCoverEnd(y1);
    const base = Math.floor(this.coverStart / DAY) * DAY;
    const days = Math.floor((this.coverEnd - base) / DAY) + 1;
    const dayFirst = new Int32Array(days);
    for (let d = 0, i = 0; d < days; d++) {
      const dayStart = base + d * DAY;
      while (i < n && starts[i] < dayStart) i++;
      dayFirst[d] = i;
    }
    this.dayBase = base;
    this.dayFirst = dayFirst;
    this.cumCoverEnd = this.cumAt(this.coverEnd);
  }

  /** Open segments of the intervals that start on the local days of `year`, merged. */
  private buildChunk(year: number): number[] {
    this.loadHolidays(year);
    const first = daysFromCivil(year, 1, 1);
    const last = daysFromCivil(year + 1, 1, 1) - 1;
    // One offset sample per UTC midnight around the year; where six consecutive samples agree,
    // no transition lies near that day and local → instant is a subtraction.
    const base = first - 2;
    const samples = new Float64Array(last + 4 - base);
    for (let k = 0; k < samples.length; k++) samples[k] = offsetMs(this.zone, (base + k) * DAY);
    const pairs: number[] = [];
    for (let d = first; d <= last; d++) {
      const rule = this.ruleFor(d, weekdayOfDays(d));
      if (rule.hours.length === 0) continue;
      const j = d - base; // samples[j - 2 .. j + 3] = days d-2 .. d+3
      const before = samples[j - 2];
      const after = samples[j + 3];
      let steady = before === after;
      for (let q = j - 1; steady && q <= j + 2; q++) steady = samples[q] === before;
      const midnight = d * DAY;
      for (const iv of rule.hours) {
        const ls = midnight + iv.start * MINUTE;
        const le = midnight + iv.end * MINUTE;
        if (steady) {
          pairs.push(ls - before, le - before);
        } else {
          pairs.push(boundaryToInstant(this.zone, ls), boundaryToInstant(this.zone, le));
        }
      }
    }
    return mergePairs(pairs);
  }

  /** Hours that apply to local day `d`: a holiday's (hand-typed first), else the weekly ones. */
  private ruleFor(d: number, weekday: number): DayRule {
    const h = this.hand.get(d);
    const p = this.provided.get(d);
    if (h) return { name: h.name ?? p?.name ?? 'Holiday', hours: h.hours ?? [] };
    if (p) return p;
    return { name: null, hours: this.weekly[weekday] };
  }

  /**
   * Provider holidays are fetched lazily, once per year. Building a year also fetches the years
   * on either side: the year before (Dec 31 governs the overnight interval into Jan 1) and the
   * year after (a provider may list a substitute day, e.g. New Year observed on Dec 31, under
   * the following year). Entries are indexed by their own date, whatever year listed them.
   */
  private loadHolidays(year: number): void {
    if (!this.provider) return;
    for (let y = year - 1; y <= year + 1; y++) {
      if (this.providerYears.has(y) || y < MIN_YEAR - 1 || y > MAX_YEAR + 1) continue;
      this.providerYears.add(y);
      for (const h of this.provider(y)) {
        const d = parseDate(h.date.slice(0, 10));
        const hours = h.hours ?? [];
        for (const iv of hours) checkInterval(iv, `calendar ${this.name}, public holiday ${h.date}`);
        const name = h.name ?? 'Holiday';
        const prev = this.provided.get(d);
        if (!prev) {
          this.provided.set(d, { name, hours });
        } else if (!prev.name.split(', ').includes(name)) {
          // Two public holidays on one date: both names shown; closed if either closes the day.
          prev.name = `${prev.name}, ${name}`;
          if (hours.length === 0) prev.hours = [];
        }
      }
    }
  }
}
