import { describe, it, expect } from 'vitest';
import {
  Calendar, civilFromDays, daysFromCivil, localToInstant, parseInterval,
} from '../../src/domain/calendar.js';
import type { HolidayDef } from '../../src/domain/types.js';
import { calendar, everyDay, intervals, weekdays, type Week } from '../support/build.js';

// ------------------------------------------------------------------ helpers
const H = 3_600_000;
const M = 60_000;
const Z = (s: string): number => {
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new Error(`bad ISO in test: ${s}`);
  return t;
};
const iso = (t: number): string => new Date(t).toISOString().replace('.000Z', 'Z');
function makeCal(timezone: string, week: Week, holidays: HolidayDef[] = [],
  holidayProvider?: (year: number) => HolidayDef[]): Calendar {
  return calendar({ name: 'test', timezone, hours: week, holidays, holidayProvider });
}
const isoSegs = (segs: Array<[number, number]>): string[][] => segs.map(([a, b]) => [iso(a), iso(b)]);

// ------------------------------------------------------------------ pure helpers
describe('civil date arithmetic', () => {
  it('maps known days both ways', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(civilFromDays(0)).toEqual({ year: 1970, month: 1, day: 1 });
    expect(civilFromDays(-1)).toEqual({ year: 1969, month: 12, day: 31 });
    expect(daysFromCivil(2000, 2, 29)).toBe(11016);
    expect(civilFromDays(11016)).toEqual({ year: 2000, month: 2, day: 29 });
    expect(civilFromDays(daysFromCivil(2100, 3, 1) - 1)).toEqual({ year: 2100, month: 2, day: 28 });
    expect(daysFromCivil(1, 1, 1)).toBe(-719162);
  });

  it('agrees with Date.UTC for every day from 1900 to 2200', () => {
    let mismatches = 0;
    for (let d = daysFromCivil(1900, 1, 1); d <= daysFromCivil(2200, 12, 31); d++) {
      const dt = new Date(d * 86_400_000);
      const c = civilFromDays(d);
      if (c.year !== dt.getUTCFullYear() || c.month !== dt.getUTCMonth() + 1 || c.day !== dt.getUTCDate()) mismatches++;
      if (daysFromCivil(c.year, c.month, c.day) !== d) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});

describe('parseInterval', () => {
  it('parses plain, whole-day, overnight and empty ranges', () => {
    expect(parseInterval('09:00-17:00')).toEqual({ start: 540, end: 1020 });
    expect(parseInterval('9:30-12:15')).toEqual({ start: 570, end: 735 });
    expect(parseInterval('00:00-24:00')).toEqual({ start: 0, end: 1440 });
    expect(parseInterval('22:00-06:00')).toEqual({ start: 1320, end: 1800 });
    expect(parseInterval('17:00-24:00')).toEqual({ start: 1020, end: 1440 });
    expect(parseInterval('10:00-09:00')).toEqual({ start: 600, end: 1980 });
    expect(parseInterval('09:00-09:00')).toBeNull();
    expect(parseInterval('00:00-00:00')).toBeNull();
  });

  it('refuses bad input with a clear message', () => {
    expect(() => parseInterval('25:00-26:00')).toThrow(/25:00.*not a time of day/);
    expect(() => parseInterval('09:60-10:00')).toThrow(/minutes above 59/);
    expect(() => parseInterval('24:30-01:00')).toThrow(/not a time of day/);
    expect(() => parseInterval('24:00-06:00')).toThrow(/cannot start at 24:00/);
    expect(() => parseInterval('9-17')).toThrow(/not a time range.*HH:MM-HH:MM/);
    expect(() => parseInterval('')).toThrow(/not a time range/);
  });
});

describe('localToInstant (SPEC rules for ambiguous and nonexistent local times)', () => {
  const L = (zone: string, date: string, hhmm: string, sec = 0, ms = 0): string => {
    const [y, m, d] = date.split('-').map(Number);
    const [hh, mm] = hhmm.split(':').map(Number);
    return iso(localToInstant(zone, y, m, d, hh * 60 + mm, sec, ms));
  };

  it('converts ordinary times with the offset in force', () => {
    expect(L('America/New_York', '2025-07-01', '12:00')).toBe('2025-07-01T16:00:00Z');
    expect(L('America/New_York', '2025-01-15', '12:00', 30, 250)).toBe('2025-01-15T17:00:30.250Z');
    expect(L('Europe/Paris', '2025-01-15', '00:00')).toBe('2025-01-14T23:00:00Z');
    expect(L('Australia/Sydney', '2025-07-01', '09:00')).toBe('2025-06-30T23:00:00Z');
    expect(L('UTC', '2025-07-01', '24:00')).toBe('2025-07-02T00:00:00Z');
    expect(iso(localToInstant('America/New_York', 2025, 1, 31, 1440 + 60))).toBe('2025-02-01T06:00:00Z');
  });

  it('America/New_York: gap moves forward by the gap, overlap is the first occurrence', () => {
    // 2025-03-09 02:00 EST → 03:00 EDT
    expect(L('America/New_York', '2025-03-09', '01:59')).toBe('2025-03-09T06:59:00Z');
    expect(L('America/New_York', '2025-03-09', '02:00')).toBe('2025-03-09T07:00:00Z'); // = 03:00 EDT
    expect(L('America/New_York', '2025-03-09', '02:30')).toBe('2025-03-09T07:30:00Z'); // = 03:30 EDT
    expect(L('America/New_York', '2025-03-09', '03:00')).toBe('2025-03-09T07:00:00Z');
    expect(L('America/New_York', '2025-03-09', '03:30')).toBe('2025-03-09T07:30:00Z');
    // 2025-11-02 02:00 EDT → 01:00 EST: 01:30 happens twice, first at 05:30Z (EDT)
    expect(L('America/New_York', '2025-11-02', '01:30')).toBe('2025-11-02T05:30:00Z');
    expect(L('America/New_York', '2025-11-02', '00:59')).toBe('2025-11-02T04:59:00Z');
    expect(L('America/New_York', '2025-11-02', '02:00')).toBe('2025-11-02T07:00:00Z');
  });

  it('Europe/Paris: gap and overlap', () => {
    // 2025-03-30 02:00 CET → 03:00 CEST
    expect(L('Europe/Paris', '2025-03-30', '02:30')).toBe('2025-03-30T01:30:00Z'); // 03:30 CEST
    expect(L('Europe/Paris', '2025-03-30', '03:00')).toBe('2025-03-30T01:00:00Z');
    // 2025-10-26 03:00 CEST → 02:00 CET: 02:30 twice, first is CEST (00:30Z)
    expect(L('Europe/Paris', '2025-10-26', '02:30')).toBe('2025-10-26T00:30:00Z');
    expect(L('Europe/Paris', '2025-10-26', '03:00')).toBe('2025-10-26T02:00:00Z');
  });

  it('Australia/Sydney (southern hemisphere): gap in October, overlap in April', () => {
    // 2025-10-05 02:00 AEST → 03:00 AEDT
    expect(L('Australia/Sydney', '2025-10-05', '02:30')).toBe('2025-10-04T16:30:00Z'); // 03:30 AEDT
    expect(L('Australia/Sydney', '2025-10-05', '03:00')).toBe('2025-10-04T16:00:00Z');
    // 2025-04-06 03:00 AEDT → 02:00 AEST: 02:30 twice, first is AEDT (+11)
    expect(L('Australia/Sydney', '2025-04-06', '02:30')).toBe('2025-04-05T15:30:00Z');
    expect(L('Australia/Sydney', '2025-04-06', '03:00')).toBe('2025-04-05T17:00:00Z');
  });

  it('odd zones: 30-minute DST and a skipped calendar day', () => {
    // Lord Howe: 02:00 +10:30 → 02:30 +11 on 2025-10-05; 02:15 is in the gap → 02:45 LHDT
    expect(L('Australia/Lord_Howe', '2025-10-05', '02:15')).toBe('2025-10-04T15:45:00Z');
    // Samoa skipped 2011-12-30 entirely (-10 → +14): noon that day moves forward 24 h
    expect(L('Pacific/Apia', '2011-12-30', '12:00')).toBe('2011-12-30T22:00:00Z');
    expect(L('Pacific/Apia', '2011-12-31', '12:00')).toBe('2011-12-30T22:00:00Z');
  });

  it('refuses an unknown zone', () => {
    expect(() => localToInstant('Mars/Olympus', 2025, 1, 1, 0)).toThrow(/unknown time zone "Mars\/Olympus"/);
  });
});

// ------------------------------------------------------------------ business hours
describe('Calendar: Mon–Fri 09:00–17:00 UTC', () => {
  const cal = makeCal('UTC', weekdays(['09:00-17:00']));

  it('SPEC worked example: Friday 16:30Z + 4 h → Monday 12:30Z', () => {
    expect(iso(cal.add(Z('2025-10-31T16:30:00Z'), 4 * H))).toBe('2025-11-03T12:30:00Z');
    expect(cal.openBetween(Z('2025-10-31T16:30:00Z'), Z('2025-11-03T12:30:00Z'))).toBe(4 * H);
  });

  it('starts counting at the next opening', () => {
    expect(iso(cal.add(Z('2025-11-03T07:00:00Z'), H))).toBe('2025-11-03T10:00:00Z'); // before opening
    expect(iso(cal.add(Z('2025-11-03T09:00:00Z'), H))).toBe('2025-11-03T10:00:00Z'); // at opening
    expect(iso(cal.add(Z('2025-11-03T18:00:00Z'), H))).toBe('2025-11-04T10:00:00Z'); // after closing
    expect(iso(cal.add(Z('2025-11-01T12:00:00Z'), H))).toBe('2025-11-03T10:00:00Z'); // Saturday
    expect(iso(cal.add(Z('2025-11-02T23:59:59Z'), 30 * M))).toBe('2025-11-03T09:30:00Z'); // Sunday night
  });

  it('a target that runs out exactly at closing is due at closing, not next opening', () => {
    expect(iso(cal.add(Z('2025-10-31T13:00:00Z'), 4 * H))).toBe('2025-10-31T17:00:00Z');
    expect(iso(cal.add(Z('2025-10-31T16:59:00Z'), M))).toBe('2025-10-31T17:00:00Z');
    expect(iso(cal.add(Z('2025-10-31T16:59:00Z'), M + 1))).toBe('2025-11-03T09:00:00.001Z');
    // a whole week's open time from Monday opening ends at Friday closing
    expect(iso(cal.add(Z('2025-11-03T09:00:00Z'), 40 * H))).toBe('2025-11-07T17:00:00Z');
  });

  it('ms <= 0 returns from unchanged, even when closed', () => {
    expect(cal.add(Z('2025-11-01T12:00:00Z'), 0)).toBe(Z('2025-11-01T12:00:00Z'));
    expect(cal.add(Z('2025-11-01T12:00:00Z'), -5 * H)).toBe(Z('2025-11-01T12:00:00Z'));
  });

  it('openBetween counts only open time and is 0 for reversed ranges', () => {
    expect(cal.openBetween(Z('2025-11-03T00:00:00Z'), Z('2025-11-10T00:00:00Z'))).toBe(40 * H);
    expect(cal.openBetween(Z('2025-11-01T00:00:00Z'), Z('2025-11-03T00:00:00Z'))).toBe(0);
    expect(cal.openBetween(Z('2025-11-03T16:00:00Z'), Z('2025-11-04T10:00:00Z'))).toBe(2 * H);
    expect(cal.openBetween(Z('2025-11-04T10:00:00Z'), Z('2025-11-03T16:00:00Z'))).toBe(0);
    expect(cal.openBetween(Z('2025-11-04T10:00:00Z'), Z('2025-11-04T10:00:00Z'))).toBe(0);
    // a whole (non-leap) year: 261 weekdays × 8 h
    expect(cal.openBetween(Z('2025-01-01T00:00:00Z'), Z('2026-01-01T00:00:00Z'))).toBe(261 * 8 * H);
  });

  it('nextOpen', () => {
    expect(iso(cal.nextOpen(Z('2025-11-03T10:15:00Z')))).toBe('2025-11-03T10:15:00Z'); // open now
    expect(iso(cal.nextOpen(Z('2025-11-03T09:00:00Z')))).toBe('2025-11-03T09:00:00Z'); // opening instant
    expect(iso(cal.nextOpen(Z('2025-10-31T17:00:00Z')))).toBe('2025-11-03T09:00:00Z'); // closing instant is closed
    expect(iso(cal.nextOpen(Z('2025-11-01T03:00:00Z')))).toBe('2025-11-03T09:00:00Z');
  });

  it('segmentsBetween clips to the range', () => {
    expect(isoSegs(cal.segmentsBetween(Z('2025-10-31T12:00:00Z'), Z('2025-11-04T10:00:00Z')))).toEqual([
      ['2025-10-31T12:00:00Z', '2025-10-31T17:00:00Z'],
      ['2025-11-03T09:00:00Z', '2025-11-03T17:00:00Z'],
      ['2025-11-04T09:00:00Z', '2025-11-04T10:00:00Z'],
    ]);
    expect(cal.segmentsBetween(Z('2025-11-01T00:00:00Z'), Z('2025-11-02T00:00:00Z'))).toEqual([]);
    expect(cal.segmentsBetween(Z('2025-11-04T00:00:00Z'), Z('2025-11-03T00:00:00Z'))).toEqual([]);
  });
});

describe('Calendar: holidays', () => {
  it('a closed holiday is skipped, also when the clock starts on it', () => {
    const cal = makeCal('UTC', weekdays(['09:00-17:00']), [{ date: '2025-11-03', name: 'Bridge day' }]);
    expect(iso(cal.add(Z('2025-10-31T16:30:00Z'), 4 * H))).toBe('2025-11-04T12:30:00Z');
    expect(iso(cal.add(Z('2025-11-03T11:00:00Z'), H))).toBe('2025-11-04T10:00:00Z');
    expect(cal.openBetween(Z('2025-11-03T00:00:00Z'), Z('2025-11-04T00:00:00Z'))).toBe(0);
    expect(cal.day('2025-11-03')).toEqual({ date: '2025-11-03', weekday: 1, holiday: 'Bridge day', segments: [] });
  });

  it('a holiday with its own hours replaces the weekly hours and can open a weekend day', () => {
    const cal = makeCal('UTC', weekdays(['09:00-17:00']), [
      { date: '2025-11-01', name: 'Saturday shift', hours: intervals(['10:00-12:00']) },
      { date: '2025-11-05', hours: intervals(['09:00-11:00']) },
    ]);
    // 30 min Friday + 2 h Saturday + 1.5 h Monday
    expect(iso(cal.add(Z('2025-10-31T16:30:00Z'), 4 * H))).toBe('2025-11-03T10:30:00Z');
    expect(cal.openBetween(Z('2025-11-05T00:00:00Z'), Z('2025-11-06T00:00:00Z'))).toBe(2 * H);
    expect(cal.day('2025-11-01')).toEqual({
      date: '2025-11-01', weekday: 6, holiday: 'Saturday shift',
      segments: [[Z('2025-11-01T10:00:00Z'), Z('2025-11-01T12:00:00Z')]],
    });
    expect(cal.day('2025-11-05').holiday).toBe('Holiday'); // unnamed hand-typed holiday
  });

  it('provider holidays apply, hand-typed ones win on the same date, and the provider is called lazily once per year', () => {
    const calls: number[] = [];
    const provider = (year: number): HolidayDef[] => {
      calls.push(year);
      return [
        { date: `${year}-12-24`, name: 'Christmas Eve' },
        { date: `${year}-12-25`, name: 'Christmas Day' },
      ];
    };
    const cal = makeCal('America/New_York', weekdays(['09:00-17:00']),
      [{ date: '2026-12-24', hours: intervals(['09:00-12:00']) }], provider);
    expect(calls).toEqual([]); // nothing until asked
    // Thu 2026-12-24: hand-typed 09:00–12:00 EST wins over the provider's closed day; Fri 25 closed
    expect(cal.openBetween(Z('2026-12-24T05:00:00Z'), Z('2026-12-26T05:00:00Z'))).toBe(3 * H);
    expect(cal.day('2026-12-24')).toEqual({
      date: '2026-12-24', weekday: 4, holiday: 'Christmas Eve',
      segments: [[Z('2026-12-24T14:00:00Z'), Z('2026-12-24T17:00:00Z')]],
    });
    expect(cal.day('2026-12-25').holiday).toBe('Christmas Day');
    expect(cal.day('2026-12-25').segments).toEqual([]);
    // 2027-12-24 is a Friday, provider-closed
    expect(iso(cal.add(Z('2027-12-23T21:00:00Z'), 2 * H))).toBe('2027-12-27T15:00:00Z');
    const counts = new Map<number, number>();
    for (const y of calls) counts.set(y, (counts.get(y) ?? 0) + 1);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(Math.max(...calls)).toBeLessThanOrEqual(2029);
    expect(Math.min(...calls)).toBeGreaterThanOrEqual(2024);
  });

  it('a provider holiday listed under the following year (observed Dec 31) is honoured', () => {
    const provider = (year: number): HolidayDef[] =>
      year === 2022 ? [{ date: '2021-12-31', name: "New Year's Day (observed)" }] : [];
    const cal = makeCal('UTC', weekdays(['09:00-17:00']), [], provider);
    expect(cal.openBetween(Z('2021-12-31T00:00:00Z'), Z('2022-01-01T00:00:00Z'))).toBe(0);
    expect(cal.openBetween(Z('2021-12-30T00:00:00Z'), Z('2021-12-31T00:00:00Z'))).toBe(8 * H);
  });

  it('a holiday removes the whole 25-hour fall-back day', () => {
    const open = makeCal('America/New_York', everyDay(['00:00-24:00']));
    const hol = makeCal('America/New_York', everyDay(['00:00-24:00']), [{ date: '2025-11-02', name: 'DST party' }]);
    const nov1 = Z('2025-11-01T04:00:00Z'); // local midnight EDT
    const nov2 = Z('2025-11-02T04:00:00Z');
    const nov3 = Z('2025-11-03T05:00:00Z'); // local midnight EST
    const nov4 = Z('2025-11-04T05:00:00Z');
    expect(open.openBetween(nov2, nov3)).toBe(25 * H);
    expect(hol.openBetween(nov2, nov3)).toBe(0);
    expect(hol.openBetween(nov1, nov4)).toBe(48 * H);
    expect(iso(hol.add(Z('2025-11-01T23:00:00Z'), 6 * H))).toBe('2025-11-03T06:00:00Z');
  });
});

describe('Calendar: several intervals a day and overnight shifts', () => {
  it('lunch break (tue 09:00-12:00, 13:00-17:00)', () => {
    const cal = makeCal('UTC', { mon: ['09:00-17:00'], tue: ['09:00-12:00', '13:00-17:00'] });
    const tue = (h: string): number => Z(`2025-11-04T${h}:00Z`);
    expect(iso(cal.add(tue('11:00'), H))).toBe('2025-11-04T12:00:00Z'); // exactly at the break
    expect(iso(cal.add(tue('11:00'), 90 * M))).toBe('2025-11-04T13:30:00Z');
    expect(iso(cal.add(tue('12:15'), 30 * M))).toBe('2025-11-04T13:30:00Z');
    expect(cal.openBetween(tue('00:00'), Z('2025-11-05T00:00:00Z'))).toBe(7 * H);
    expect(cal.openBetween(tue('11:30'), tue('13:30'))).toBe(H);
    expect(isoSegs(cal.segmentsBetween(tue('00:00'), Z('2025-11-05T00:00:00Z')))).toEqual([
      ['2025-11-04T09:00:00Z', '2025-11-04T12:00:00Z'],
      ['2025-11-04T13:00:00Z', '2025-11-04T17:00:00Z'],
    ]);
    expect(iso(cal.nextOpen(tue('12:00')))).toBe('2025-11-04T13:00:00Z');
    // Tuesday 16:00 + 2 h → next Monday 10:00 (nothing Wed–Sun)
    expect(iso(cal.add(tue('16:00'), 2 * H))).toBe('2025-11-10T10:00:00Z');
  });

  it('touching intervals are merged', () => {
    const cal = makeCal('UTC', { mon: ['09:00-12:00', '12:00-17:00', '16:00-18:00'] });
    expect(isoSegs(cal.segmentsBetween(Z('2025-11-03T00:00:00Z'), Z('2025-11-04T00:00:00Z')))).toEqual([
      ['2025-11-03T09:00:00Z', '2025-11-03T18:00:00Z'],
    ]);
    expect(cal.openBetween(Z('2025-11-03T00:00:00Z'), Z('2025-11-04T00:00:00Z'))).toBe(9 * H);
  });

  it('an overnight shift belongs to the day it starts on', () => {
    const cal = makeCal('UTC', weekdays(['22:00-06:00']));
    // Friday night shift runs into Saturday 06:00; nothing on Sunday night; Monday night again
    expect(iso(cal.add(Z('2025-10-31T23:00:00Z'), 8 * H))).toBe('2025-11-03T23:00:00Z');
    expect(cal.openBetween(Z('2025-11-01T00:00:00Z'), Z('2025-11-02T00:00:00Z'))).toBe(6 * H);
    expect(cal.openBetween(Z('2025-11-02T00:00:00Z'), Z('2025-11-03T00:00:00Z'))).toBe(0);
    expect(iso(cal.nextOpen(Z('2025-11-01T07:00:00Z')))).toBe('2025-11-03T22:00:00Z');
    const mon = cal.day('2025-11-03');
    expect(mon.weekday).toBe(1);
    expect(isoSegs(mon.segments)).toEqual([['2025-11-03T22:00:00Z', '2025-11-04T06:00:00Z']]);
    expect(cal.day('2025-11-02').segments).toEqual([]); // Sunday: Saturday had no shift
  });

  it('a holiday on the start day removes the overnight shift; one on the next day does not cut it', () => {
    const cal = makeCal('UTC', weekdays(['22:00-06:00']), [
      { date: '2025-10-31', name: 'Friday off' }, // removes Fri 22:00 → Sat 06:00
      { date: '2025-11-04', name: 'Tuesday off' }, // Mon 22:00 → Tue 06:00 still runs; Tue night off
    ]);
    expect(cal.openBetween(Z('2025-10-31T00:00:00Z'), Z('2025-11-02T00:00:00Z'))).toBe(6 * H); // Thu's shift tail only
    expect(cal.openBetween(Z('2025-11-03T22:00:00Z'), Z('2025-11-04T06:00:00Z'))).toBe(8 * H);
    expect(cal.openBetween(Z('2025-11-04T06:00:00Z'), Z('2025-11-05T22:00:00Z'))).toBe(0);
    expect(iso(cal.add(Z('2025-11-04T05:00:00Z'), 2 * H))).toBe('2025-11-05T23:00:00Z');
  });

  it('overnight intervals next to day intervals merge across midnight', () => {
    const cal = makeCal('UTC', { mon: ['18:00-02:00'], tue: ['00:00-04:00'] });
    expect(isoSegs(cal.segmentsBetween(Z('2025-11-03T00:00:00Z'), Z('2025-11-05T00:00:00Z')))).toEqual([
      ['2025-11-03T18:00:00Z', '2025-11-04T04:00:00Z'],
    ]);
  });
});

describe('Calendar: DST', () => {
  // [zone, spring-forward date, fall-back date, UTC instant of local midnight on each]
  const cases = [
    { zone: 'America/New_York', spring: '2025-03-09', fall: '2025-11-02' },
    { zone: 'Europe/Paris', spring: '2025-03-30', fall: '2025-10-26' },
    { zone: 'Australia/Sydney', spring: '2025-10-05', fall: '2025-04-06' },
  ];
  const segLen = (segs: Array<[number, number]>): number => segs.reduce((s, [a, b]) => s + b - a, 0);
  const midnight = (zone: string, date: string, plusDays = 0): number => {
    const [y, m, d] = date.split('-').map(Number);
    return localToInstant(zone, y, m, d + plusDays, 0);
  };

  for (const { zone, spring, fall } of cases) {
    describe(zone, () => {
      const whole = makeCal(zone, everyDay(['00:00-24:00']));
      const early = makeCal(zone, everyDay(['01:00-04:00']));

      it('00:00-24:00: spring day counts 23 h, fall day 25 h, ordinary days 24 h', () => {
        expect(whole.openBetween(midnight(zone, spring), midnight(zone, spring, 1))).toBe(23 * H);
        expect(whole.openBetween(midnight(zone, fall), midnight(zone, fall, 1))).toBe(25 * H);
        expect(whole.openBetween(midnight(zone, spring, -1), midnight(zone, spring))).toBe(24 * H);
        expect(segLen(whole.day(spring).segments)).toBe(23 * H);
        expect(segLen(whole.day(fall).segments)).toBe(25 * H);
        // counted time is real time: 24 h from midnight before the spring day ends at 01:00 next day
        expect(whole.add(midnight(zone, spring), 24 * H)).toBe(midnight(zone, spring, 1) + H);
        expect(whole.add(midnight(zone, fall), 24 * H)).toBe(midnight(zone, fall, 1) - H);
        // the days touch, so the open time is one long segment
        expect(whole.segmentsBetween(midnight(zone, spring, -1), midnight(zone, spring, 2))).toHaveLength(1);
      });

      it('01:00-04:00: 2 h on the spring day, 4 h on the fall day, 3 h otherwise', () => {
        expect(segLen(early.day(spring).segments)).toBe(2 * H);
        expect(segLen(early.day(fall).segments)).toBe(4 * H);
        expect(early.openBetween(midnight(zone, spring), midnight(zone, spring, 1))).toBe(2 * H);
        expect(early.openBetween(midnight(zone, fall), midnight(zone, fall, 1))).toBe(4 * H);
        expect(early.openBetween(midnight(zone, spring, -1), midnight(zone, spring))).toBe(3 * H);
        // segment starts at local 01:00 (first occurrence on the fall day)
        const [y, m, d] = fall.split('-').map(Number);
        expect(early.day(fall).segments[0][0]).toBe(localToInstant(zone, y, m, d, 60));
        // 3 h on the day before the spring day, then 1 more hour: 01:00 + 1 h real time
        const [sy, sm, sd] = spring.split('-').map(Number);
        const before = localToInstant(zone, sy, sm, sd - 1, 60);
        expect(early.add(before, 4 * H)).toBe(localToInstant(zone, sy, sm, sd, 60) + H);
        expect(early.add(before, 5 * H)).toBe(localToInstant(zone, sy, sm, sd, 240)); // closes at 04:00
        expect(early.add(before, 5 * H + 1)).toBe(localToInstant(zone, sy, sm, sd + 1, 60) + 1);
      });
    });
  }

  it('America/New_York 01:00-04:00 in exact UTC terms', () => {
    const early = makeCal('America/New_York', everyDay(['01:00-04:00']));
    expect(isoSegs(early.day('2025-03-09').segments)).toEqual([['2025-03-09T06:00:00Z', '2025-03-09T08:00:00Z']]);
    expect(isoSegs(early.day('2025-11-02').segments)).toEqual([['2025-11-02T05:00:00Z', '2025-11-02T09:00:00Z']]);
  });

  it('intervals overlapping the spring gap shrink by the overlap (boundaries in the gap land on the transition)', () => {
    const cal = makeCal('America/New_York', { sun: ['01:00-02:30', '05:00-06:00'], mon: ['02:30-04:00'] });
    // 2025-03-09 (Sunday): 01:00 EST (06:00Z) → 03:00 EDT (07:00Z) = 1 h, not 1.5 h
    expect(isoSegs(cal.day('2025-03-09').segments)).toEqual([
      ['2025-03-09T06:00:00Z', '2025-03-09T07:00:00Z'],
      ['2025-03-09T09:00:00Z', '2025-03-09T10:00:00Z'],
    ]);
    // an ordinary Sunday: 1.5 h + 1 h
    expect(cal.openBetween(Z('2025-03-16T00:00:00Z'), Z('2025-03-17T00:00:00Z'))).toBe(150 * M);
    const paris = makeCal('Europe/Paris', { sun: ['02:30-04:00'] });
    // 2025-03-30: 02:30 does not exist; the interval runs 03:00 CEST (01:00Z) → 04:00 CEST (02:00Z)
    expect(isoSegs(paris.day('2025-03-30').segments)).toEqual([['2025-03-30T01:00:00Z', '2025-03-30T02:00:00Z']]);
    const sydney = makeCal('Australia/Sydney', { sun: ['01:30-02:30'] });
    // 2025-10-05: 01:30 AEST (15:30Z) → gap → 03:00 AEDT (16:00Z) = 30 min
    expect(sydney.openBetween(Z('2025-10-04T00:00:00Z'), Z('2025-10-06T00:00:00Z'))).toBe(30 * M);
  });

  it('a day skipped by the zone has no open time', () => {
    const apia = makeCal('Pacific/Apia', everyDay(['09:00-17:00']));
    expect(apia.day('2011-12-30').segments).toEqual([]);
    // local days 28, 29, 31 December and 1 January (30 December never happened there)
    expect(apia.openBetween(localToInstant('Pacific/Apia', 2011, 12, 28, 0), localToInstant('Pacific/Apia', 2012, 1, 2, 0)))
      .toBe(4 * 8 * H);
    expect(isoSegs(apia.day('2011-12-31').segments)).toEqual([['2011-12-30T19:00:00Z', '2011-12-31T03:00:00Z']]);
  });

  it('an interval entirely inside the spring gap vanishes', () => {
    const cal = makeCal('America/New_York', everyDay(['02:00-03:00', '02:15-02:45']));
    expect(cal.day('2025-03-09').segments).toEqual([]);
    expect(cal.openBetween(Z('2025-03-09T00:00:00Z'), Z('2025-03-10T00:00:00Z'))).toBe(0);
    expect(cal.openBetween(Z('2025-03-10T00:00:00Z'), Z('2025-03-11T00:00:00Z'))).toBe(H); // the union, on a normal day
  });

  it('an overnight shift across the fall-back night counts its real length', () => {
    const cal = makeCal('Europe/Paris', { sat: ['22:00-06:00'] });
    // Sat 2025-10-25 22:00 CEST (20:00Z) → Sun 06:00 CET (05:00Z) = 9 h
    expect(isoSegs(cal.day('2025-10-25').segments)).toEqual([['2025-10-25T20:00:00Z', '2025-10-26T05:00:00Z']]);
    expect(cal.openBetween(Z('2025-10-25T00:00:00Z'), Z('2025-10-27T00:00:00Z'))).toBe(9 * H);
  });
});

describe('Calendar: table extension, guards and 24x7', () => {
  it('answers the same after extending the cached table backwards and forwards', () => {
    const spec = (): Calendar => makeCal('America/New_York', weekdays(['09:00-17:00']), [{ date: '2001-07-04' }]);
    const warm = spec();
    const t2026 = Z('2026-03-02T15:00:00Z');
    const a = warm.add(t2026, 10 * H);
    const old = warm.openBetween(Z('2001-07-02T00:00:00Z'), Z('2001-07-07T00:00:00Z')); // extends back 25 years
    expect(old).toBe(4 * 8 * H); // Mon 2, Tue 3, Thu 5, Fri 6 (Wed 4 July is a holiday)
    expect(warm.add(t2026, 10 * H)).toBe(a);
    const far = warm.add(t2026, 2000 * 8 * H); // extends ~8 years forward
    expect(spec().add(t2026, 2000 * 8 * H)).toBe(far);
    expect(warm.openBetween(t2026, far)).toBe(2000 * 8 * H);
    expect(spec().openBetween(Z('2001-07-02T00:00:00Z'), Z('2001-07-07T00:00:00Z'))).toBe(old);
  });

  it('fresh calendars get year boundaries right (overnight shift from Dec 31, zones ahead of UTC)', () => {
    const night = (): Calendar => makeCal('UTC', weekdays(['22:00-06:00']));
    // Wednesday 2025-12-31 22:00 → Thursday 2026-01-01 06:00
    expect(night().openBetween(Z('2026-01-01T00:00:00Z'), Z('2026-01-01T12:00:00Z'))).toBe(6 * H);
    expect(iso(night().add(Z('2026-01-01T03:00:00Z'), 4 * H))).toBe('2026-01-01T23:00:00Z');
    expect(iso(night().nextOpen(Z('2026-01-01T05:00:00Z')))).toBe('2026-01-01T05:00:00Z');
    const sydney = (): Calendar => makeCal('Australia/Sydney', everyDay(['00:00-24:00']));
    expect(sydney().openBetween(Z('2025-12-31T12:00:00Z'), Z('2025-12-31T14:00:00Z'))).toBe(2 * H);
    const honolulu = (): Calendar => makeCal('Pacific/Honolulu', { wed: ['20:00-04:00'] });
    // Wed 2025-12-31 20:00 HST = 2026-01-01T06:00Z, until Thu 04:00 HST = 14:00Z
    expect(honolulu().openBetween(Z('2026-01-01T00:00:00Z'), Z('2026-01-02T00:00:00Z'))).toBe(8 * H);
    expect(iso(honolulu().add(Z('2026-01-01T10:00:00Z'), 4 * H))).toBe('2026-01-01T14:00:00Z');
    expect(iso(honolulu().add(Z('2026-01-01T10:00:00Z'), 4 * H + 1))).toBe('2026-01-08T06:00:00.001Z');
  });

  it('a calendar with no open time throws instead of looping', () => {
    const none = makeCal('UTC', {});
    expect(none.openBetween(Z('2025-01-01T00:00:00Z'), Z('2026-01-01T00:00:00Z'))).toBe(0);
    expect(() => none.add(Z('2025-01-01T00:00:00Z'), H)).toThrow('calendar test has no open hours');
    expect(() => none.nextOpen(Z('2025-01-01T00:00:00Z'))).toThrow(/no open hours/);
    // open only on a past holiday: time before it is reachable, time after it is not
    const once = makeCal('UTC', {}, [{ date: '2025-06-02', hours: intervals(['09:00-10:00']) }]);
    expect(iso(once.add(Z('2025-01-01T00:00:00Z'), 30 * M))).toBe('2025-06-02T09:30:00Z');
    expect(iso(once.add(Z('2025-01-01T00:00:00Z'), H))).toBe('2025-06-02T10:00:00Z');
    expect(() => once.add(Z('2025-01-01T00:00:00Z'), H + 1)).toThrow(/no open hours/);
  });

  it('refuses invalid specs and instants', () => {
    expect(() => makeCal('Nowhere/City', {})).toThrow(/unknown time zone/);
    expect(() => new Calendar({
      name: 'bad', timezone: 'UTC', always: false, weekly: [[{ start: 600, end: 500 }]], holidays: [],
    })).toThrow(/calendar bad, weekday 0: invalid open interval/);
    expect(() => makeCal('UTC', {}, [{ date: '2025-02-30' }])).toThrow(/not a real calendar date/);
    const cal = makeCal('UTC', weekdays(['09:00-17:00']));
    expect(() => cal.add(Number.NaN, H)).toThrow(/finite instant/);
    expect(() => cal.openBetween(0, Number.POSITIVE_INFINITY)).toThrow(/finite instant/);
  });

  it('24x7 is plain arithmetic', () => {
    const cal = new Calendar({ name: 'always', timezone: 'UTC', always: true, weekly: [], holidays: [] });
    const t = Z('2025-10-31T14:30:00Z');
    expect(cal.add(t, 4 * H)).toBe(Z('2025-10-31T18:30:00Z'));
    expect(cal.openBetween(t, Z('2025-10-31T18:15:00Z'))).toBe(225 * M);
    expect(cal.openBetween(Z('2025-10-31T18:15:00Z'), t)).toBe(0);
    expect(cal.nextOpen(t)).toBe(t);
    expect(cal.segmentsBetween(t, t + H)).toEqual([[t, t + H]]);
    const ny = new Calendar({ name: 'always', timezone: 'America/New_York', always: true, weekly: [], holidays: [] });
    expect(isoSegs(ny.day('2025-11-02').segments)).toEqual([['2025-11-02T04:00:00Z', '2025-11-03T05:00:00Z']]);
    expect(ny.day('2025-11-02').holiday).toBeNull();
  });

  it('day() reports weekday and holiday name', () => {
    const cal = makeCal('America/New_York', weekdays(['09:00-17:00']), [{ date: '2026-12-25', name: 'Christmas' }]);
    expect(cal.day('2026-12-25')).toEqual({ date: '2026-12-25', weekday: 5, holiday: 'Christmas', segments: [] });
    expect(cal.day('2026-12-28')).toEqual({
      date: '2026-12-28', weekday: 1, holiday: null,
      segments: [[Z('2026-12-28T14:00:00Z'), Z('2026-12-28T22:00:00Z')]],
    });
    expect(() => cal.day('2026-13-01')).toThrow(/not a real calendar date/);
  });
});
