import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { Calendar, localToInstant, parseInterval } from '../../src/domain/calendar.js';
import type { DayInterval, HolidayDef } from '../../src/domain/types.js';

// ------------------------------------------------------------------ helpers
const H = 3_600_000;
const M = 60_000;
const Z = (s: string): number => Date.parse(s);
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
type Week = Partial<Record<(typeof DAYS)[number], string[]>>;
const ivs = (list: string[]): DayInterval[] =>
  list.map(parseInterval).filter((x): x is DayInterval => x !== null);
const weeklyOf = (week: Week): DayInterval[][] => DAYS.map((d) => ivs(week[d] ?? []));

// Business calendar in New York with a lunch break and holidays (closed and short days).
const lunch = ['09:00-12:00', '13:00-17:00'];
const officeWeek: Week = { mon: lunch, tue: lunch, wed: lunch, thu: ['09:00-17:00'], fri: ['09:00-16:00'] };
const officeHolidays: HolidayDef[] = [
  { date: '2026-01-01', name: "New Year's Day" }, { date: '2026-01-19' }, { date: '2026-02-16' },
  { date: '2026-05-25' }, { date: '2026-07-03' }, { date: '2026-09-07' }, { date: '2026-11-26' },
  { date: '2026-11-27', hours: ivs(['09:00-12:00']) }, { date: '2026-12-24', hours: ivs(['09:00-12:00']) },
  { date: '2026-12-25' }, { date: '2027-01-01' }, { date: '2027-05-31' }, { date: '2027-07-05' },
  { date: '2027-09-06' }, { date: '2027-11-25' }, { date: '2027-12-24' }, { date: '2027-12-31' },
  { date: '2026-06-13', name: 'Saturday release', hours: ivs(['10:00-14:00']) },
];
const office = (): Calendar => new Calendar({
  name: 'office', timezone: 'America/New_York', always: false, weekly: weeklyOf(officeWeek), holidays: officeHolidays,
});
const cal = office();

const T0 = Z('2026-01-01T00:00:00Z');
const SPAN_MIN = 2 * 365 * 24 * 60;
/** Random instant over 2026–2027 (ms precision). */
const instant = fc.tuple(fc.integer({ min: 0, max: SPAN_MIN }), fc.integer({ min: 0, max: 59_999 }))
  .map(([m, ms]) => T0 + m * M + ms);
/** Random target: whole minutes, 1 minute to 3 weeks. */
const target = fc.integer({ min: 1, max: 21 * 24 * 60 }).map((m) => m * M);

describe('Calendar properties (America/New_York office, lunch breaks, holidays)', () => {
  it('openBetween(t, add(t, m)) == m, and add is the earliest such instant', () => {
    fc.assert(fc.property(instant, target, (t, m) => {
      const due = cal.add(t, m);
      expect(due).toBeGreaterThan(t);
      expect(cal.openBetween(t, due)).toBe(m);
      expect(cal.openBetween(t, due - 1)).toBe(m - 1); // one ms earlier is not enough
    }), { numRuns: 2000 });
  });

  it('add is monotonic in t and in m', () => {
    fc.assert(fc.property(instant, instant, target, target, (t1, t2, m1, m2) => {
      const [a, b] = t1 <= t2 ? [t1, t2] : [t2, t1];
      const [p, q] = m1 <= m2 ? [m1, m2] : [m2, m1];
      expect(cal.add(a, p)).toBeLessThanOrEqual(cal.add(b, p));
      expect(cal.add(a, p)).toBeLessThanOrEqual(cal.add(a, q));
      if (p < q) expect(cal.add(a, p)).toBeLessThan(cal.add(a, q));
    }), { numRuns: 1000 });
  });

  it('openBetween is additive and 0 on reversed ranges', () => {
    fc.assert(fc.property(instant, instant, instant, (x, y, z) => {
      const [a, b, c] = [x, y, z].sort((u, v) => u - v);
      expect(cal.openBetween(a, c)).toBe(cal.openBetween(a, b) + cal.openBetween(b, c));
      if (a < b) expect(cal.openBetween(b, a)).toBe(0);
      expect(cal.openBetween(a, c)).toBeLessThanOrEqual(c - a);
    }), { numRuns: 1000 });
  });

  it('segmentsBetween sums to openBetween, in order, inside the range', () => {
    fc.assert(fc.property(instant, fc.integer({ min: 0, max: 30 * 24 * 60 }), (a, mins) => {
      const b = a + mins * M;
      const segs = cal.segmentsBetween(a, b);
      let sum = 0;
      let prevEnd = -Infinity;
      for (const [s, e] of segs) {
        expect(s).toBeGreaterThan(prevEnd); // sorted, merged (a gap between consecutive segments)
        expect(e).toBeGreaterThan(s);
        expect(s).toBeGreaterThanOrEqual(a);
        expect(e).toBeLessThanOrEqual(b);
        sum += e - s;
        prevEnd = e;
      }
      expect(sum).toBe(cal.openBetween(a, b));
    }), { numRuns: 500 });
  });

  it('nextOpen(t) is open, and nothing between t and it is', () => {
    fc.assert(fc.property(instant, (t) => {
      const o = cal.nextOpen(t);
      expect(o).toBeGreaterThanOrEqual(t);
      expect(cal.openBetween(t, o)).toBe(0);
      expect(cal.openBetween(o, o + 1)).toBe(1);
      expect(cal.add(t, 1)).toBe(o + 1);
    }), { numRuns: 500 });
  });

  it('a 10,000-hour add equals repeated smaller adds (and a fresh calendar agrees)', () => {
    fc.assert(fc.property(instant, fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 30 }), (t, parts) => {
      const big = cal.add(t, 10_000 * H);
      // 100 steps of 100 h
      let x = t;
      for (let i = 0; i < 100; i++) x = cal.add(x, 100 * H);
      expect(x).toBe(big);
      // random chunks (hours), then the rest
      let y = t;
      let left = 10_000;
      for (const p of parts) {
        const step = Math.min(p, left);
        if (step === 0) break;
        y = cal.add(y, step * H);
        left -= step;
      }
      if (left > 0) y = cal.add(y, left * H);
      expect(y).toBe(big);
      expect(cal.openBetween(t, big)).toBe(10_000 * H);
    }), { numRuns: 100 });
    const t = Z('2026-03-02T14:00:00Z');
    expect(office().add(t, 10_000 * H)).toBe(cal.add(t, 10_000 * H));
  });
});

// ------------------------------------------------------------------ independent oracle
// Minute-by-minute membership using luxon DateTime (allowed in tests): a minute [t, t+1m) is open
// when its local weekday and minute of day fall inside that day's hours (holiday hours first).
function bruteMinutes(a: number, b: number): number {
  const holidays = new Map(officeHolidays.map((h) => [h.date, h.hours ?? []]));
  const week = weeklyOf(officeWeek);
  let open = 0;
  for (let t = a; t < b; t += M) {
    const dt = DateTime.fromMillis(t, { zone: 'America/New_York' });
    const date = dt.toISODate() as string;
    const hours = holidays.get(date) ?? week[dt.weekday % 7];
    const mod = dt.hour * 60 + dt.minute;
    if (hours.some((iv) => mod >= iv.start && mod < iv.end)) open += M;
  }
  return open;
}

describe('Calendar against a brute-force minute oracle', () => {
  it('openBetween agrees with stepping minute by minute (office calendar)', () => {
    const minuteInstant = fc.integer({ min: 0, max: SPAN_MIN }).map((m) => T0 + m * M);
    fc.assert(fc.property(minuteInstant, fc.integer({ min: 0, max: 3 * 24 * 60 }), (a, len) => {
      const b = a + len * M;
      expect(cal.openBetween(a, b)).toBe(bruteMinutes(a, b));
    }), { numRuns: 100 });
  });

  it('openBetween agrees across the DST weekends of 2026 (office calendar)', () => {
    for (const [from, to] of [['2026-03-06T00:00:00Z', '2026-03-11T00:00:00Z'], ['2026-10-30T00:00:00Z', '2026-11-04T00:00:00Z']]) {
      expect(cal.openBetween(Z(from), Z(to))).toBe(bruteMinutes(Z(from), Z(to)));
    }
  });
});

// Random calendars (overnight intervals, several per day, holidays) in several zones: the cached
// table must agree with day(), which converts each interval on its own without the table.
describe('Calendar table agrees with per-day segments for random calendars', () => {
  const zones = ['America/New_York', 'Europe/Paris', 'Australia/Sydney', 'Australia/Lord_Howe', 'UTC', 'Asia/Kolkata'];
  const hhmm = (m: number): string => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const intervalText = fc.tuple(fc.integer({ min: 0, max: 95 }), fc.integer({ min: 0, max: 96 }))
    .map(([s, e]) => `${hhmm(s * 15)}-${hhmm(e * 15)}`);
  const dayHours = fc.array(intervalText, { maxLength: 3 });
  const week = fc.tuple(dayHours, dayHours, dayHours, dayHours, dayHours, dayHours, dayHours);
  const zone = fc.constantFrom(...zones);
  // windows around DST changes of 2025 in the zones above
  const windowStart = fc.constantFrom('2025-03-05', '2025-03-26', '2025-04-02', '2025-10-01', '2025-10-22', '2025-10-29', '2025-12-28');

  function oracle(c: Calendar, startDate: string, days: number, a: number, b: number): number {
    const [y, m, d] = startDate.split('-').map(Number);
    const segs: Array<[number, number]> = [];
    for (let i = -2; i < days + 2; i++) {
      const date = DateTime.fromObject({ year: y, month: m, day: d }, { zone: 'UTC' }).plus({ days: i }).toISODate() as string;
      segs.push(...c.day(date).segments);
    }
    segs.sort((p, q) => p[0] - q[0]);
    let total = 0;
    let curS = -Infinity;
    let curE = -Infinity;
    const flush = (): void => {
      if (curE > curS) total += Math.max(0, Math.min(curE, b) - Math.max(curS, a));
    };
    for (const [s, e] of segs) {
      if (s <= curE) { curE = Math.max(curE, e); continue; }
      flush();
      curS = s; curE = e;
    }
    flush();
    return total;
  }

  it('openBetween and add match an oracle built from day()', () => {
    fc.assert(fc.property(zone, week, windowStart, fc.integer({ min: 0, max: 10 * 24 * 60 }),
      fc.integer({ min: 0, max: 10 * 24 * 60 }), fc.integer({ min: 0, max: 13 }),
      (z, w, start, x, y, holidayOffset) => {
        const [sy, sm, sd] = start.split('-').map(Number);
        const holidayDate = DateTime.fromObject({ year: sy, month: sm, day: sd }, { zone: 'UTC' })
          .plus({ days: holidayOffset }).toISODate() as string;
        const c = new Calendar({
          name: 'random', timezone: z, always: false, weekly: w.map(ivs),
          holidays: [{ date: holidayDate, hours: holidayOffset % 2 === 0 ? [] : ivs(['10:00-02:00']) }],
        });
        const base = localToInstant(z, sy, sm, sd, 0);
        const a = base + Math.min(x, y) * M;
        const b = base + Math.max(x, y) * M;
        const expected = oracle(c, start, 12, a, b);
        expect(c.openBetween(a, b)).toBe(expected);
        if (expected > 0) {
          const due = c.add(a, expected);
          expect(due).toBeLessThanOrEqual(b);
          expect(c.openBetween(a, due)).toBe(expected);
          expect(c.openBetween(due, b)).toBe(0);
        }
      }), { numRuns: 300 });
  });
});
