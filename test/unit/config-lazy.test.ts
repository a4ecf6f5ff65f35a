// Kept in its own file: it must run before anything in this worker loads date-holidays.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { isHolidayLibraryLoaded, parseConfig } from '../../src/config/index.js';

const require = createRequire(import.meta.url);
const libraryFile = require.resolve('date-holidays');

describe('date-holidays is loaded lazily', () => {
  it('a config without holidayCountry does not load it', () => {
    const c = parseConfig({
      calendars: { office: { timezone: 'UTC', hours: { mon: '09:00-17:00' }, holidays: ['2026-12-25'] } },
      policies: [{ name: 'p', calendar: 'office', targets: { urgent: { firstResponse: 30, resolution: 240 } } }],
    }, '/srv/sla.config.json');
    expect(c.calendars.office.holidays).toEqual([{ date: '2026-12-25' }]);
    expect(c.calendars.office.holidayProvider).toBeUndefined();
    expect(isHolidayLibraryLoaded()).toBe(false);
    expect(require.cache[libraryFile]).toBeUndefined();
  });

  it('a config with holidayCountry checks the country without loading it; the provider loads it when first asked', () => {
    const c = parseConfig({
      calendars: { office: { timezone: 'Europe/London', hours: { mon: '09:00-17:00' }, holidayCountry: 'GB' } },
      policies: [{ name: 'p', calendar: 'office', targets: { urgent: { firstResponse: 30, resolution: 240 } } }],
    }, '/srv/sla.config.json');
    expect(isHolidayLibraryLoaded()).toBe(false);
    expect(c.calendars.office.holidayProvider!(2026)).toBeDefined();
    expect(isHolidayLibraryLoaded()).toBe(true);
    expect(require.cache[libraryFile]).toBeDefined();
    expect(c.calendars.office.holidayProvider!(2026).map((h) => h.date)).toEqual([
      '2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-12-25', '2026-12-26', '2026-12-28',
    ]);
  });
});

describe('data/holiday-regions.json', () => {
  it('lists exactly the countries and regions date-holidays knows (regenerate it when the library changes)', async () => {
    const { holidayRegions } = await import('../../src/config/holidays.js');
    const Holidays = require('date-holidays') as typeof import('date-holidays').default;
    const hd = new Holidays();
    const expected: Record<string, string[]> = {};
    for (const c of Object.keys(hd.getCountries('en')).sort()) expected[c] = Object.keys(hd.getStates(c, 'en') ?? {});
    expect(holidayRegions()).toEqual(expected);
  });
});
