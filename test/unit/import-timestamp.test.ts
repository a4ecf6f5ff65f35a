import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { compileTimestampParser, describeTimestampFormat } from '../../src/import/timestamp.js';
import { ImportError } from '../../src/import/errors.js';
import { localToInstant } from '../../src/domain/calendar.js';

const Z = (s: string): number => {
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new Error(`bad ISO in test: ${s}`);
  return t;
};

describe('ISO 8601 (default format)', () => {
  const ny = compileTimestampParser({ zone: 'America/New_York' });
  const utc = compileTimestampParser({ zone: 'UTC' });

  it('reads UTC and offset forms', () => {
    expect(ny('2025-10-31T16:30:00Z')).toBe(Z('2025-10-31T16:30:00Z'));
    expect(ny('2025-10-31t16:30:00z')).toBe(Z('2025-10-31T16:30:00Z'));
    expect(ny('2025-10-31T16:30Z')).toBe(Z('2025-10-31T16:30:00Z'));
    expect(ny('2025-10-31T16:30:00.5Z')).toBe(Z('2025-10-31T16:30:00.500Z'));
    expect(ny('2025-10-31T16:30:00.123456789Z')).toBe(Z('2025-10-31T16:30:00.123Z'));
    expect(ny('2025-10-31T16:30:00,25Z')).toBe(Z('2025-10-31T16:30:00.250Z'));
    expect(ny('2025-10-31T12:30:00-04:00')).toBe(Z('2025-10-31T16:30:00Z'));
    expect(ny('2025-10-31T12:30-0400')).toBe(Z('2025-10-31T16:30:00Z'));
    expect(ny('2025-10-31T21:30+05')).toBe(Z('2025-10-31T16:30:00Z'));
    expect(ny('2025-10-31 22:00:00 +0530')).toBe(Z('2025-10-31T16:30:00Z'));
    expect(ny('  2025-10-31T16:30:00Z \t')).toBe(Z('2025-10-31T16:30:00Z'));
    expect(utc('1969-12-31T23:59:59Z')).toBe(-1000);
  });

  it('reads times without an offset in the zone, and a bare date as local midnight', () => {
    expect(ny('2025-10-31T12:30:00')).toBe(Z('2025-10-31T16:30:00Z'));
    expect(ny('2025-10-31 12:30')).toBe(Z('2025-10-31T16:30:00Z'));
    expect(ny('2025-10-31 12:30:15.250')).toBe(Z('2025-10-31T16:30:15.250Z'));
    expect(ny('2025-12-01')).toBe(Z('2025-12-01T05:00:00Z'));
    expect(utc('2025-12-01')).toBe(Z('2025-12-01T00:00:00Z'));
  });

  it('takes 24:00 as the next midnight and refuses impossible dates and times', () => {
    expect(utc('2025-12-31T24:00:00Z')).toBe(Z('2026-01-01T00:00:00Z'));
    expect(ny('2025-12-31 24:00')).toBe(Z('2026-01-01T05:00:00Z'));
    for (const bad of [
      '2025-02-30', '2025-02-29T10:00Z', '2025-13-01', '2025-00-10', '2025-04-31 10:00', '2025-01-01T25:00Z',
      '2025-01-01T24:01Z', '2025-01-01T12:60Z', '2025-01-01T12:00:60Z', '2025-01-01T12:00+24:00',
      '', '   ', 'yesterday', '2025-1-01', '2025/01/01', '2025-01-01T12', '2025-01-01T12:00:00.Z',
      '2025-01-01T12:00Zjunk', '2025-01-01T12:00:00+05:0', '1735732800',
    ]) {
      expect(ny(bad), bad).toBeNull();
    }
    expect(utc('2024-02-29T10:00Z')).toBe(Z('2024-02-29T10:00:00Z'));
    expect(utc('2000-02-29')).toBe(Z('2000-02-29T00:00:00Z'));
    expect(utc('1900-02-29')).toBeNull();
  });
});

describe('DST rules for local times (SPEC §2)', () => {
  const ny = compileTimestampParser({ zone: 'America/New_York' });
  const rome = compileTimestampParser({ zone: 'Europe/Rome', format: 'yyyy/MM/dd HH:mm:ss.SSS' });

  it('America/New_York: a gap time moves forward by the gap, an ambiguous one is the first occurrence', () => {
    // 2025-03-09: 02:00 EST → 03:00 EDT
    expect(ny('2025-03-09 01:59:59')).toBe(Z('2025-03-09T06:59:59Z'));
    expect(ny('2025-03-09 02:00')).toBe(Z('2025-03-09T07:00:00Z')); // = 03:00 EDT
    expect(ny('2025-03-09 02:30')).toBe(Z('2025-03-09T07:30:00Z')); // = 03:30 EDT
    expect(ny('2025-03-09 03:30')).toBe(Z('2025-03-09T07:30:00Z'));
    expect(ny('2025-03-09 04:00')).toBe(Z('2025-03-09T08:00:00Z'));
    // 2025-11-02: 02:00 EDT → 01:00 EST; 01:30 happens twice
    expect(ny('2025-11-02 00:59')).toBe(Z('2025-11-02T04:59:00Z'));
    expect(ny('2025-11-02 01:30')).toBe(Z('2025-11-02T05:30:00Z')); // EDT, the first
    expect(ny('2025-11-02 02:00')).toBe(Z('2025-11-02T07:00:00Z')); // EST
    // not a reject: a gap time is a real instant
    expect(ny('2025-03-09T02:30:00')).not.toBeNull();
  });

  it('Europe/Rome: the same rules with a pattern format', () => {
    // 2025-03-30: 02:00 CET → 03:00 CEST
    expect(rome('2025/03/30 02:30:00.000')).toBe(Z('2025-03-30T01:30:00Z')); // = 03:30 CEST
    expect(rome('2025/03/30 01:59:59.999')).toBe(Z('2025-03-30T00:59:59.999Z'));
    expect(rome('2025/03/30 03:00:00.000')).toBe(Z('2025-03-30T01:00:00Z'));
    // 2025-10-26: 03:00 CEST → 02:00 CET; 02:30 happens twice
    expect(rome('2025/10/26 02:30:00.000')).toBe(Z('2025-10-26T00:30:00Z')); // CEST, the first
    expect(rome('2025/10/26 03:00:00.000')).toBe(Z('2025-10-26T02:00:00Z'));
    // the real log's first row
    expect(rome('2012/10/09 14:50:17.000')).toBe(Z('2012-10-09T12:50:17Z'));
  });

  it('Australia/Lord_Howe: a 30-minute shift inside an hour goes through localToInstant', () => {
    const lh = compileTimestampParser({ zone: 'Australia/Lord_Howe' });
    // 2025-10-05 02:00 → 02:30 (+10:30 → +11)
    for (const [hh, mm] of [[1, 59], [2, 0], [2, 15], [2, 29], [2, 30], [2, 45], [3, 0]]) {
      const text = `2025-10-05 ${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}`;
      expect(lh(text), text).toBe(localToInstant('Australia/Lord_Howe', 2025, 10, 5, hh * 60 + mm));
    }
    expect(lh('2025-10-05 02:15')).toBe(Z('2025-10-04T15:45:00Z')); // +10:30 → 02:45 new time
    expect(lh('2025-10-05 02:45')).toBe(Z('2025-10-04T15:45:00Z'));
  });
});

describe('token patterns', () => {
  const utc = (format: string) => compileTimestampParser({ format, zone: 'UTC' });

  it('reads numbers, names, 12-hour clocks, quoted literals and offsets', () => {
    expect(utc('d/M/yyyy HH:mm')('5/1/2025 09:05')).toBe(Z('2025-01-05T09:05:00Z'));
    expect(utc('d/M/yyyy H:mm')('31/12/2025 9:05')).toBe(Z('2025-12-31T09:05:00Z'));
    expect(utc('dd.MM.yy HH:mm:ss')('05.01.25 23:59:58')).toBe(Z('2025-01-05T23:59:58Z'));
    expect(utc('dd.MM.yy')('05.01.99')).toBe(Z('1999-01-05T00:00:00Z'));
    expect(utc("yyyy-MM-dd'T'HH:mm:ss.SSS")('2025-06-01T10:20:30.045')).toBe(Z('2025-06-01T10:20:30.045Z'));
    expect(utc('yyyy-MM-ddTHH:mm')('2025-06-01T10:20')).toBe(Z('2025-06-01T10:20:00Z'));
    expect(utc("yyyy-MM-dd 'at' HH:mm")('2025-06-01 at 10:20')).toBe(Z('2025-06-01T10:20:00Z'));
    expect(utc('M/d/yyyy h:mm a')('1/5/2025 12:05 AM')).toBe(Z('2025-01-05T00:05:00Z'));
    expect(utc('M/d/yyyy h:mm a')('1/5/2025 12:05 pm')).toBe(Z('2025-01-05T12:05:00Z'));
    expect(utc('M/d/yyyy hh:mm:ss a')('1/5/2025 07:15:00 PM')).toBe(Z('2025-01-05T19:15:00Z'));
    expect(utc('dd MMM yyyy HH:mm')('05 Jan 2025 10:00')).toBe(Z('2025-01-05T10:00:00Z'));
    expect(utc('d MMMM yyyy')('5 september 2025')).toBe(Z('2025-09-05T00:00:00Z'));
    expect(utc('yyyy-MM-dd HH:mm:ss ZZ')('2025-01-05 10:00:00 +02:00')).toBe(Z('2025-01-05T08:00:00Z'));
    expect(utc('yyyy-MM-dd HH:mm:ss.S')('2025-01-05 10:00:00.7')).toBe(Z('2025-01-05T10:00:00.007Z'));
    expect(utc('yyyy-MM-dd HH:mm:ss.u')('2025-01-05 10:00:00.7')).toBe(Z('2025-01-05T10:00:00.700Z'));
    expect(utc('d/M/yyyy HH:mm')(' 5/1/2025 09:05 ')).toBe(Z('2025-01-05T09:05:00Z'));
  });

  it('returns null for impossible or malformed values', () => {
    const p = utc('d/M/yyyy HH:mm');
    for (const bad of ['30/2/2025 10:00', '1/13/2025 10:00', '1/1/2025 24:30', '1/1/2025 10:60', '1/1/2025', '2025-01-01 10:00', 'x']) {
      expect(p(bad), bad).toBeNull();
    }
    expect(utc('M/d/yyyy h:mm a')('1/5/2025 13:05 PM')).toBeNull();
    expect(utc('M/d/yyyy h:mm a')('1/5/2025 0:05 AM')).toBeNull();
    expect(utc('y-M-d')('99999-1-1')).toBeNull();
    expect(utc('y-M-d')('812-3-4')).toBe(Date.UTC(812, 2, 4));
  });

  it('refuses a bad pattern when compiling, with a hint', () => {
    expect(() => utc('yyyy-MM-dd QQ')).toThrow(/unknown token "QQ"/);
    expect(() => utc('HH:mm')).toThrow(/needs a year/);
    expect(() => utc("yyyy-MM-dd 'T")).toThrow(/not closed/);
    expect(() => utc('yyyy-MM-dd HH:mm HH')).toThrow(/twice/);
    try {
      utc('yyyy-MM-dd X');
    } catch (e) {
      expect(e).toBeInstanceOf(ImportError);
      expect((e as ImportError).hint).toMatch(/quote literal letters/);
      expect((e as ImportError).exitCode).toBe(2);
    }
    expect(() => compileTimestampParser({ zone: 'Mars/Olympus' })).toThrow(/unknown time zone "Mars\/Olympus"/);
  });
});

describe('epoch formats', () => {
  it('reads seconds and milliseconds', () => {
    const s = compileTimestampParser({ format: 'epoch_s', zone: 'UTC' });
    const ms = compileTimestampParser({ format: 'epoch_ms', zone: 'UTC' });
    expect(s('1761928200')).toBe(Z('2025-10-31T16:30:00Z'));
    expect(s('1761928200.25')).toBe(Z('2025-10-31T16:30:00.250Z'));
    expect(s(' -1 ')).toBe(-1000);
    expect(ms('1761928200123')).toBe(1761928200123);
    for (const bad of ['', 'abc', '1e9', '12:00', '1.2.3', '-', '99999999999999999999']) {
      expect(s(bad), bad).toBeNull();
    }
    expect(describeTimestampFormat('epoch_s')).toBe('epoch seconds');
    expect(describeTimestampFormat(undefined)).toMatch(/ISO 8601/);
  });
});

describe('memoised offsets = localToInstant', () => {
  const ZONES = ['America/New_York', 'Europe/Rome', 'Australia/Lord_Howe', 'America/Sao_Paulo', 'Asia/Kolkata'];
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

  // random local times over 2025–2026, half of them on the days around DST transitions
  const transitionDays: Array<[number, number, number]> = [
    [2025, 3, 9], [2025, 11, 2], [2026, 3, 8], [2026, 11, 1], // New York
    [2025, 3, 30], [2025, 10, 26], [2026, 3, 29], [2026, 10, 25], // Rome
    [2025, 4, 6], [2025, 10, 5], [2026, 4, 5], [2026, 10, 4], // Lord Howe
  ];
  const anyDay = fc.integer({ min: 0, max: 729 }).map((k) => {
    const d = new Date(Date.UTC(2025, 0, 1) + k * 86_400_000);
    return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()] as [number, number, number];
  });
  const day = fc.oneof(anyDay, fc.constantFrom(...transitionDays));
  const clock = fc.tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 999 }));

  it('gives the same instant for random local times (fast-check)', () => {
    const parsers = new Map(ZONES.map((z) => [z, compileTimestampParser({ zone: z, format: 'yyyy-MM-dd HH:mm:ss.SSS' })]));
    const iso = new Map(ZONES.map((z) => [z, compileTimestampParser({ zone: z })]));
    fc.assert(fc.property(fc.constantFrom(...ZONES), day, clock, (zone, [y, m, d], [minute, s, ms]) => {
      const text = `${y}-${pad(m)}-${pad(d)} ${pad(Math.floor(minute / 60))}:${pad(minute % 60)}:${pad(s)}.${pad(ms, 3)}`;
      const expected = localToInstant(zone, y, m, d, minute, s, ms);
      expect(parsers.get(zone)!(text)).toBe(expected);
      expect(iso.get(zone)!(text)).toBe(expected);
    }), { numRuns: 4000 });
  });

  it('gives the same instant for every minute of the transition days', () => {
    for (const zone of ZONES) {
      const p = compileTimestampParser({ zone, format: 'yyyy-MM-dd HH:mm' });
      for (const [y, m, d] of transitionDays) {
        for (let minute = 0; minute < 1440; minute++) {
          const text = `${y}-${pad(m)}-${pad(d)} ${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;
          expect(p(text)).toBe(localToInstant(zone, y, m, d, minute));
        }
      }
    }
  });
});

describe('patterns: the digit scanner agrees with the regex', () => {
  // formats with fixed and variable digits, literals, blanks, 'T', and ones the scanner leaves to the regex
  const formats = ['yyyy/MM/dd HH:mm:ss.SSS', 'd/M/yyyy HH:mm', 'd/M/yyyy H:m', 'yyyyMMdd HHmm', 'dd.MM.yy HH:mm', 'M/d/yyyy h:mm a',
    "yyyy-MM-dd'T'HH:mm:ss", 'yyyy-MM-ddTHH:mm', 'dd MMM yyyy HH:mm', 'yyyy-MM-dd HH:mm:ss.u', 'yyyy-MM-dd HH:mm:ssZ', 'yyyy-MM-dd Hmm', 'd/M/y H:m'];
  const piece = fc.oneof(
    fc.integer({ min: 0, max: 9999 }).map(String), fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0')),
    fc.constantFrom('/', ':', '.', ' ', '  ', '\t', '-', 'T', 't', 'pm', 'AM', 'Mar', 'z', '+02:00', '\u00a0', 'x', "'"),
  );
  const text = fc.array(piece, { maxLength: 14 }).map((p) => p.join(''));
  for (const format of formats) {
    it(`"${format}": the same instant, or null, for any text`, () => {
      const fast = compileTimestampParser({ format, zone: 'Europe/Rome' });
      const slow = compileTimestampParser({ format, zone: 'Europe/Rome', scanner: false });
      // texts that look like the format: each digit slot's value replaced at random
      const like = fc.tuple(fc.integer({ min: 2000, max: 2030 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 999 }), fc.boolean())
        .map(([y, mo, d, h, mi, ms, pad]) => format.replace(/'T'/, 'T').replace(/yyyy|y/, String(y)).replace('yy', String(y % 100).padStart(2, '0'))
          .replace(/MM(?!M)/, String(mo).padStart(2, '0')).replace(/(?<!M)M(?!M)/, pad ? String(mo).padStart(2, '0') : String(mo))
          .replace('dd', String(d).padStart(2, '0')).replace(/(?<!d)d(?!d)/, String(d)).replace('HH', String(h).padStart(2, '0'))
          .replace(/(?<!H)H(?!H)/, String(h)).replace('mm', String(mi).padStart(2, '0')).replace(/(?<!m)m(?!m)/, String(mi))
          .replace('ss', '07').replace('SSS', String(ms).padStart(3, '0')).replace(/(?<!h)h(?!h)/, String(h % 13)));
      // and such texts with pieces before or after, or a character replaced
      const near = fc.tuple(like, fc.array(piece, { maxLength: 2 }), fc.array(piece, { maxLength: 2 }), fc.nat(), fc.constantFrom('x', '1', ' ', '/', ':', 'T', '\t', ''))
        .map(([l, before, after, at, c]) => (at % 3 === 0 ? before.join('') + l + after.join('')
          : l.slice(0, at % (l.length + 1)) + c + l.slice((at % (l.length + 1)) + 1)));
      fc.assert(fc.property(fc.oneof(text, like, near), (t) => {
        expect(fast(t)).toBe(slow(t));
      }), { numRuns: 1000 });
      expect(fast(format.replace(/[A-Za-z]/g, '1'))).toBe(slow(format.replace(/[A-Za-z]/g, '1')));
    });
  }
  it('reads the activity log\'s format to the millisecond, in its zone', () => {
    const p = compileTimestampParser({ format: 'yyyy/MM/dd HH:mm:ss.SSS', zone: 'Europe/Rome' });
    expect(p('2012/01/03 09:15:02.250')).toBe(Z('2012-01-03T08:15:02.250Z'));
    expect(p(' 2012/07/03 09:15:02.250 ')).toBe(Z('2012-07-03T07:15:02.250Z'));
    expect(p('2012/7/03 09:15:02.250')).toBeNull();
  });
});
