// The calendars: open hours per weekday, holidays (hand-typed, or a country's from the
// holiday library, which is only loaded when a provider is first asked), and time zones.
import { IANAZone } from 'luxon';
import type { CalendarSpec, DayInterval, HolidayDef } from '../../domain/types.js';
import { checkHolidayCountry, createHolidayProvider } from '../holidays.js';
import { formatInterval, parseInterval } from '../hours.js';
import type { RawCalendar, RawConfig } from '../schema.js';
import { asList, q, type Report } from './report.js';

const DAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const WHOLE_DAY: DayInterval = { start: 0, end: 1440 };

/** Reports `zone` at `path` unless it is an IANA zone (the config's own, or a calendar's). */
export function checkZone(zone: string, path: PropertyKey[], report: Report): void {
  if (!IANAZone.isValidZone(zone)) {
    report(path, `${q(zone)} is not an IANA time zone; use e.g. "America/New_York", "Europe/Paris" or "UTC"`);
  }
}

/** Parses a day's intervals (already shape-checked) and reports overlaps; sorted by start. */
function dayIntervals(texts: string[], path: PropertyKey[], report: Report): DayInterval[] {
  const parsed: Array<{ iv: DayInterval; text: string; index: number }> = [];
  texts.forEach((text, index) => {
    try {
      const iv = parseInterval(text);
      if (iv) parsed.push({ iv, text, index });
    } catch (e) {
      report([...path, index], (e as Error).message);
    }
  });
  parsed.sort((a, b) => a.iv.start - b.iv.start);
  for (let k = 1; k < parsed.length; k++) {
    const prev = parsed[k - 1];
    const cur = parsed[k];
    if (cur.iv.start < prev.iv.end) {
      report([...path, cur.index], `${q(cur.text)} overlaps ${q(prev.text)}`);
    }
  }
  return parsed.map((p) => p.iv);
}

function resolveCalendar(name: string, raw: RawCalendar, defaultZone: string, report: Report): CalendarSpec {
  const base: PropertyKey[] = ['calendars', name];
  if (raw === '24x7') {
    return {
      name, timezone: defaultZone, always: true,
      weekly: DAY_KEYS.map(() => [{ ...WHOLE_DAY }]), holidays: [],
    };
  }
  const timezone = raw.timezone ?? defaultZone;
  if (raw.timezone !== undefined) checkZone(raw.timezone, [...base, 'timezone'], report);

  const weekly: DayInterval[][] = DAY_KEYS.map((day) => dayIntervals(asList(raw.hours[day]), [...base, 'hours', day], report));
  // An overnight interval spills into the next day; it must not overlap that day's hours.
  DAY_KEYS.forEach((day, d) => {
    const next = (d + 1) % 7;
    const spill = Math.max(0, ...weekly[d].map((iv) => iv.end - 1440));
    if (spill === 0) return;
    const texts = asList(raw.hours[DAY_KEYS[next]]);
    texts.forEach((text, index) => {
      let iv: DayInterval | null = null;
      try { iv = parseInterval(text); } catch { return; }
      if (iv && iv.start < spill) {
        report([...base, 'hours', DAY_KEYS[next], index],
          `${q(text)} overlaps the overnight hours of ${day} (until ${formatInterval({ start: 0, end: spill }).slice(6)})`);
      }
    });
  });
  if (weekly.every((d) => d.length === 0)) {
    report([...base, 'hours'], 'no open hours on any day of the week; give e.g. "mon": ["09:00-17:00"], or use "24x7"');
  }

  const holidays: HolidayDef[] = [];
  const seen = new Map<string, number>();
  raw.holidays.forEach((h, index) => {
    const def: HolidayDef = typeof h === 'string' ? { date: h } : { date: h.date };
    if (typeof h !== 'string') {
      if (h.name !== undefined) def.name = h.name;
      if (h.hours !== undefined) def.hours = dayIntervals(asList(h.hours), [...base, 'holidays', index, 'hours'], report);
    }
    const first = seen.get(def.date);
    if (first !== undefined) {
      report([...base, 'holidays', index], `${def.date} is already listed at holidays[${first}]`);
      return;
    }
    seen.set(def.date, index);
    holidays.push(def);
  });
  holidays.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));

  const spec: CalendarSpec = { name, timezone, always: false, weekly, holidays };
  if (raw.holidayCountry !== undefined) {
    const checked = checkHolidayCountry(raw.holidayCountry, raw.holidayRegion);
    if ('error' in checked) report([...base, checked.field], checked.error);
    else spec.holidayProvider = createHolidayProvider(checked.country, checked.region);
  } else if (raw.holidayRegion !== undefined) {
    report([...base, 'holidayRegion'], 'needs holidayCountry (e.g. "holidayCountry": "US", "holidayRegion": "CA")');
  }
  return spec;
}

/** Every calendar by name; a calendar without a time zone of its own is in `defaultZone`. */
export function resolveCalendars(raw: RawConfig['calendars'], defaultZone: string, report: Report): Record<string, CalendarSpec> {
  const calendars: Record<string, CalendarSpec> = {};
  for (const [name, cal] of Object.entries(raw)) {
    calendars[name] = resolveCalendar(name, cal, defaultZone, report);
  }
  return calendars;
}
