// Public holidays from date-holidays, loaded lazily: the library (big, slow to load) is only
// required when a calendar has a `holidayCountry`, and a country's rules are only built the
// first time a year's holidays are asked for.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { HolidayDef } from '../domain/types.js';

type HolidaysCtor = typeof import('date-holidays').default;

let library: HolidaysCtor | undefined;

/** Whether date-holidays has been loaded by this module (for tests and diagnostics). */
export function isHolidayLibraryLoaded(): boolean {
  return library !== undefined;
}

function holidaysLibrary(): HolidaysCtor {
  if (!library) {
    const mod = createRequire(import.meta.url)('date-holidays') as HolidaysCtor | { default: HolidaysCtor };
    library = 'default' in mod && typeof mod.default === 'function' ? mod.default : (mod as HolidaysCtor);
  }
  return library;
}

/**
 * Country → region codes date-holidays knows, read from data/holiday-regions.json (written
 * from the library; a test keeps it equal to it). Checking a config against this list
 * needs no library: loading it to ask would slow every command's start.
 */
let regions: Record<string, string[]> | undefined;
export function holidayRegions(): Record<string, string[]> {
  regions ??= JSON.parse(readFileSync(new URL('../../data/holiday-regions.json', import.meta.url), 'utf8')) as Record<string, string[]>;
  return regions;
}

/**
 * Checks a country (ISO 3166-1 alpha-2, any case) and optional region (state/province code,
 * "CA" or "US-CA", any case) against date-holidays. Returns normalised codes, or an error text.
 */
export function checkHolidayCountry(country: string, region?: string):
  { country: string; region?: string } | { error: string; field: 'holidayCountry' | 'holidayRegion' } {
  const known = holidayRegions();
  const c = country.trim().toUpperCase();
  if (!Object.prototype.hasOwnProperty.call(known, c)) {
    return { field: 'holidayCountry', error: `${JSON.stringify(country)} is not a country the holiday library knows; use an ISO code such as "US", "GB", "DE"` };
  }
  if (region === undefined) return { country: c };
  let r = region.trim().toUpperCase();
  if (r.startsWith(`${c}-`)) r = r.slice(c.length + 1);
  const states = known[c];
  if (!states.includes(r)) {
    return {
      field: 'holidayRegion',
      error: `${JSON.stringify(region)} is not a region of ${c} the holiday library knows; ${states.length ? `known: ${states.join(', ')}` : `${c} has no regions: remove holidayRegion`}`,
    };
  }
  return { country: c, region: r };
}

/**
 * A holiday provider for CalendarSpec.holidayProvider: the country's (and region's) holidays
 * of type "public" for one year, as local dates (YYYY-MM-DD) named in the country's own
 * language (the names a local team knows: "Labor Day" in the US, "Neujahr" in Germany), sorted, one entry per date (names of coinciding holidays joined by " / ").
 *
 * Only `public` is kept. `bank` days (e.g. Germany's Christmas Eve and New Year's Eve, days
 * banks close) are NOT holidays here, nor `optional`, `school` or `observance` days (e.g.
 * Valentine's Day, US Christmas Eve): a support desk usually works on them. A team that does
 * not can hand-type them in `holidays`. A public holiday always closes the whole local date,
 * even where the library says it starts in the afternoon.
 *
 * Nothing is loaded or built until the provider is first called; results are cached per year.
 */
export function createHolidayProvider(country: string, region?: string): (year: number) => HolidayDef[] {
  let hd: InstanceType<HolidaysCtor> | undefined;
  const cache = new Map<number, HolidayDef[]>();
  return (year: number): HolidayDef[] => {
    const cached = cache.get(year);
    if (cached) return cached.map((h) => ({ ...h }));
    if (!hd) {
      const Holidays = holidaysLibrary();
      hd = region === undefined ? new Holidays(country) : new Holidays(country, region);
    }
    const byDate = new Map<string, string[]>();
    for (const h of hd.getHolidays(year)) {
      if (h.type !== 'public') continue;
      const date = h.date.slice(0, 10);
      if (!date.startsWith(`${String(year).padStart(4, '0')}-`)) continue;
      const names = byDate.get(date) ?? [];
      if (!names.includes(h.name)) names.push(h.name);
      byDate.set(date, names);
    }
    const list = [...byDate.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([date, names]) => ({ date, name: names.join(' / ') }));
    cache.set(year, list);
    return list.map((h) => ({ ...h }));
  };
}
