import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConfigError, MAX_DURATION_MINUTES, findConfigPath, formatDuration, loadConfig, parseConfig, parseDuration, parseInterval,
  formatInterval, resolveSecrets, secretVariables, type Config,
} from '../../src/config/index.js';

const ROOT = resolve(__dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures/config');
const FAKE_PATH = '/srv/sla/sla.config.json';

/** A small valid config; tests change one thing in it. */
function base(): Record<string, any> {
  return {
    calendars: {
      always: '24x7',
      office: { timezone: 'UTC', hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'] } },
    },
    policies: [
      { name: 'standard', calendar: 'office',
        targets: { urgent: { firstResponse: '30m', resolution: '4h' } } },
    ],
  };
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).exitCode).toBe(2);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

/** The single message of a config that has exactly one problem. */
function problem(data: unknown): string {
  const err = configError(() => parseConfig(data, FAKE_PATH));
  expect(err.issues).toHaveLength(1);
  return err.message;
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sla-config-'));
}

// ------------------------------------------------------------------ durations
describe('parseDuration', () => {
  it.each([
    [45, 45], ['45', 45], ['90m', 90], ['4h', 240], ['1h30m', 90], ['1h 30m', 90],
    ['2h05m', 125], [' 8H ', 480], ['48h', 2880], ['1M', 1],
  ] as const)('%j → %d minutes', (input, minutes) => {
    expect(parseDuration(input)).toBe(minutes);
  });

  it('refuses days and weeks with a hint in hours', () => {
    expect(() => parseDuration('2d')).toThrow(
      '"2d" is not a duration; a "day" is ambiguous on a business calendar (24 h or one working day?); write "48h"');
    expect(() => parseDuration('3 days')).toThrow('write "72h"');
    expect(() => parseDuration('1w')).toThrow('a "week" is ambiguous on a business calendar (24 h or one working day?); write "168h"');
  });

  it('refuses words with a tailored hint', () => {
    expect(() => parseDuration('4 hours')).toThrow('"4 hours" is not a duration; use "4h" or minutes');
    expect(() => parseDuration('30 minutes')).toThrow('"30 minutes" is not a duration; use "30m" or 30');
    expect(() => parseDuration('1.5h')).toThrow('"1.5h" is not a duration; use "90m" or 90');
    expect(() => parseDuration('30s')).toThrow('SLA durations are whole minutes');
    expect(() => parseDuration('soon')).toThrow('"soon" is not a duration; use e.g. "4h", "90m", "1h30m" or a number of minutes');
  });

  it('refuses more than ten years (a typo, and an overflow of the arithmetic)', () => {
    expect(parseDuration('87840h')).toBe(87840 * 60); // ten years of 366 days
    expect(() => parseDuration('87841h')).toThrow('"87841h" is more than ten years');
    expect(() => parseDuration(1e308)).toThrow('is more than ten years');
    expect(() => parseDuration('99999999999999999999m')).toThrow('is more than ten years');
  });

  it('refuses zero, negative, fractional and non-duration values', () => {
    expect(() => parseDuration(0)).toThrow('0 is not a duration: it must be more than 0 minutes');
    expect(() => parseDuration('0m')).toThrow('"0m" is not a duration: it must be more than 0 minutes');
    expect(() => parseDuration(-5)).toThrow('-5 is not a duration');
    expect(() => parseDuration(2.5)).toThrow('2.5 is not a whole number of minutes');
    expect(() => parseDuration(true)).toThrow('true is not a duration');
    expect(() => parseDuration(null)).toThrow('null is not a duration');
    expect(() => parseDuration('')).toThrow('"" is not a duration');
    expect(() => parseDuration(Number.NaN)).toThrow('NaN is not a duration');
  });

  it('formats minutes for humans, and the output parses back', () => {
    expect(formatDuration(45)).toBe('45m');
    expect(formatDuration(125)).toBe('2h 05m');
    expect(formatDuration(120)).toBe('2h 00m');
    expect(formatDuration(3000)).toBe('50h 00m');
    expect(formatDuration(0)).toBe('0m');
    expect(formatDuration(-70)).toBe('-1h 10m');
    expect(formatDuration(89.6)).toBe('1h 30m');
    expect(parseDuration(formatDuration(125))).toBe(125);
  });
});

describe('round trips', () => {
  it('parseDuration(formatDuration(n)) === n for every positive whole number of minutes up to ten years', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: MAX_DURATION_MINUTES }), (n) => parseDuration(formatDuration(n)) === n));
  });
  it('parseInterval(formatInterval(iv)) === iv for every non-empty interval', () => {
    const interval = fc.integer({ min: 0, max: 1439 }).chain((start) =>
      fc.integer({ min: start + 1, max: start + 1439 }).map((end) => ({ start, end })));
    fc.assert(fc.property(interval, (iv) => {
      expect(parseInterval(formatInterval(iv))).toEqual(iv);
    }));
  });
});

describe('parseInterval', () => {
  it('parses day, overnight, whole-day and empty ranges', () => {
    expect(parseInterval('09:00-17:00')).toEqual({ start: 540, end: 1020 });
    expect(parseInterval('22:00-06:00')).toEqual({ start: 1320, end: 1800 });
    expect(parseInterval('00:00-24:00')).toEqual({ start: 0, end: 1440 });
    expect(parseInterval('18:00-24:00')).toEqual({ start: 1080, end: 1440 });
    expect(parseInterval('09:00-09:00')).toBeNull();
  });
  it('refuses what is not a time range', () => {
    expect(() => parseInterval('25:00-26:00')).toThrow('"25:00-26:00" is not a time range; use "HH:MM-HH:MM"');
    expect(() => parseInterval('25:00')).toThrow('"25:00" is not a time range; use "HH:MM-HH:MM"');
    expect(() => parseInterval('09:60-10:00')).toThrow('is not a time range');
    expect(() => parseInterval('24:00-06:00')).toThrow('24:00 can only end a range');
    expect(() => parseInterval('9am-5pm')).toThrow('"9am-5pm" is not a time range');
  });
});

// ------------------------------------------------------------------ resolution
describe('parseConfig resolves a valid config', () => {
  it('fills the defaults', () => {
    const c = parseConfig({ policies: [{ name: 'p', calendar: 'always', targets: { low: { firstResponse: 60, resolution: '96h' } } }] }, FAKE_PATH);
    expect(c.configPath).toBe(FAKE_PATH);
    expect(c.database).toBe('/srv/sla/sla.db');
    expect(c.timezone).toBe('UTC');
    expect(c.priorities).toEqual(['urgent', 'high', 'medium', 'low']);
    expect(c.priorityAliases).toEqual({});
    expect(c.statusMap).toEqual({});
    expect(c.pauseOnCustomerWaiting).toBe(true);
    expect(c.pauseStatuses).toEqual(['pending', 'waiting_customer']);
    expect(c.atRiskThresholdPercent).toBe(80);
    expect(c.complianceGoalPercent).toBe(90);
    expect(c.recalculateOnPriorityChange).toBe(false);
    expect(c.tierMultipliers).toEqual({});
    expect(Object.keys(c.calendars)).toEqual(['always']);
    expect(c.calendars.always).toMatchObject({ name: 'always', timezone: 'UTC', always: true, holidays: [] });
    expect(c.calendars.always.weekly).toHaveLength(7);
    expect(c.calendars.always.weekly[3]).toEqual([{ start: 0, end: 1440 }]);
    expect(c.policies).toEqual([{ name: 'p', index: 0, match: null, calendar: 'always', targets: { low: { firstResponse: 60, resolution: 5760 } } }]);
    expect(c.alerts).toEqual({ destinations: {}, routes: [], ticketUrl: null, redact: [], digestAbove: 10 });
    expect(c.escalations).toEqual([]);
  });

  it('does not add "always" when calendars are given', () => {
    const data = base();
    delete data.calendars.always;
    const c = parseConfig(data, FAKE_PATH);
    expect(Object.keys(c.calendars)).toEqual(['office']);
  });

  it('builds calendars: weekly index 0 = Sunday, sorted intervals, overnight, holidays', () => {
    const data = base();
    data.timezone = 'Europe/Paris';
    data.calendars.office = {
      hours: { sun: '10:00-14:00', tue: ['13:00-17:00', '09:00-12:00'], fri: ['22:00-06:00'], sat: ['09:00-09:00'] },
      holidays: ['2026-12-25', { date: '2026-12-24', hours: ['09:00-12:00'], name: 'Christmas Eve' }, { date: '2026-05-01', name: 'May Day' }],
    };
    const cal = parseConfig(data, FAKE_PATH).calendars.office;
    expect(cal.timezone).toBe('Europe/Paris'); // inherited from the config
    expect(cal.always).toBe(false);
    expect(cal.weekly).toEqual([
      [{ start: 600, end: 840 }], [], [{ start: 540, end: 720 }, { start: 780, end: 1020 }], [], [],
      [{ start: 1320, end: 1800 }], [],
    ]);
    expect(cal.holidays).toEqual([
      { date: '2026-05-01', name: 'May Day' },
      { date: '2026-12-24', name: 'Christmas Eve', hours: [{ start: 540, end: 720 }] },
      { date: '2026-12-25' },
    ]);
    expect(cal.holidayProvider).toBeUndefined();
  });

  it('normalises policies: match lists as strings, aliases resolved, targets in minutes', () => {
    const data = base();
    data.priorityAliases = { Critical: 'URGENT', P2: 'high' };
    data.policies = [
      { name: 'vip', match: { tier: 'enterprise', customer: ['Acme', 42], vip: true, priority: ['critical', 'High'] }, calendar: 'always',
        targets: { critical: { firstResponse: '15m', resolution: '1h30m' }, HIGH: { firstResponse: 60, resolution: '8h' } } },
      { name: 'empty-match', match: {}, calendar: 'office', targets: { urgent: { firstResponse: '30m', resolution: '4h' } } },
    ];
    const c = parseConfig(data, FAKE_PATH);
    expect(c.priorityAliases).toEqual({ critical: 'urgent', p2: 'high' });
    expect(c.policies[0]).toEqual({
      name: 'vip', index: 0, calendar: 'always',
      match: { tier: ['enterprise'], customer: ['Acme', '42'], vip: ['true'], priority: ['urgent', 'high'] },
      targets: { urgent: { firstResponse: 15, resolution: 90 }, high: { firstResponse: 60, resolution: 480 } },
    });
    expect(c.policies[1].match).toBeNull();
  });

  it('lowercases statusMap and tierMultipliers keys and keeps secrets unresolved', () => {
    const data = base();
    data.tierMultipliers = { Enterprise: 0.5, business: 0.75 };
    data.statusMap = { Solved: 'resolved', 'ON HOLD': 'waiting_customer' };
    data.alerts = {
      destinations: {
        hook: { type: 'webhook', url: '$HOOK_URL', headers: { Authorization: 'Bearer ${OPS_TOKEN}' } },
        log: { type: 'file', path: 'logs/alerts.ndjson' },
      },
      routes: [{ when: { type: 'resolution_breached', priority: 'Urgent' }, to: 'hook' }, { to: ['log'] }],
    };
    const c = parseConfig(data, FAKE_PATH);
    expect(c.statusMap).toEqual({ solved: 'resolved', 'on hold': 'waiting_customer' });
    expect(c.tierMultipliers).toEqual({ enterprise: 0.5, business: 0.75 });
    expect(c.alerts.destinations.hook).toEqual({ name: 'hook', type: 'webhook', url: '$HOOK_URL', headers: { Authorization: 'Bearer ${OPS_TOKEN}' }, secret: null });
    expect(c.alerts.destinations.log).toEqual({ name: 'log', type: 'file', path: '/srv/sla/logs/alerts.ndjson' });
    expect(c.alerts.routes).toEqual([
      { when: { type: ['resolution_breached'], priority: ['urgent'] }, to: ['hook'] },
      { when: {}, to: ['log'] },
    ]);
  });

  it('resolves escalations with defaults', () => {
    const data = base();
    data.alerts = { destinations: { breaches: { type: 'slack', url: '$SLACK' } } };
    data.escalations = [
      { name: 'a', when: { elapsedMinutes: 10, unassigned: true, priority: 'urgent' }, actions: { notify: 'breaches' } },
      { name: 'b', when: { metric: 'first_response', atPercent: 90, policy: 'standard' }, actions: { raisePriority: true, assignTo: 'duty' } },
    ];
    const c = parseConfig(data, FAKE_PATH);
    expect(c.escalations).toEqual([
      { name: 'a', index: 0, when: { metric: 'resolution', elapsedMinutes: 10, unassigned: true, priority: ['urgent'] },
        actions: { notify: ['breaches'], raisePriority: false, assignTo: null } },
      { name: 'b', index: 1, when: { metric: 'first_response', atPercent: 90, policy: ['standard'] },
        actions: { notify: [], raisePriority: true, assignTo: 'duty' } },
    ]);
  });
});

// ------------------------------------------------------------------ errors
describe('bad input is a ConfigError naming the path', () => {
  it('malformed JSON names the file, line and column', () => {
    const file = join(FIXTURES, 'malformed.json');
    const err = configError(() => loadConfig({ configPath: file, env: {}, cwd: ROOT }));
    expect(err.message).toBe(`${file}:7:3: not valid JSON: missing "," between members`);
    expect(err.file).toBe(file);
  });

  it.each([
    ['{"a": }', 1, 7, 'unexpected "}"'],
    ['{\n  "a": 1,\n}', 3, 1, 'trailing comma before "}"'],
    ['{"a": 1', 1, 8, 'expected "," or "}", found end of file'],
    ['', 1, 1, 'unexpected end of file'],
    ['{\n  // note\n  "a": 1\n}', 2, 3, 'comments are not allowed in JSON'],
    ["{'a': 1}", 1, 2, "expected a \"quoted\" key, found ' (JSON strings and keys need double quotes)"],
    ['{"a": "x\ny"}', 1, 9, 'line break inside a string (missing " ?)'],
    ['[1, 2] x', 1, 8, 'unexpected "x" after the end of the JSON value'],
  ])('JSON %j → %d:%d %s', (text, line, column, reason) => {
    const dir = tempDir();
    const file = join(dir, 'sla.config.json');
    writeFileSync(file, text);
    const err = configError(() => loadConfig({ env: {}, cwd: dir }));
    expect(err.message).toBe(`${file}:${line}:${column}: not valid JSON: ${reason}`);
  });

  it('a key given twice is an error with its path', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'sla.config.json'),
      '{\n"policies": [{"name": "p", "calendar": "always",\n "targets": {"high": {"firstResponse": 5, "resolution": 9},\n  "high": {"firstResponse": 5, "resolution": 9}}}]}');
    expect(configError(() => loadConfig({ env: {}, cwd: dir })).message)
      .toBe('policies[0].targets.high: given twice (second time on line 4); JSON would silently keep only the last');
  });

  it('a BOM at the start is fine', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'sla.config.json'), `\uFEFF${JSON.stringify(base())}`);
    expect(loadConfig({ env: {}, cwd: dir }).policies[0].name).toBe('standard');
  });

  it('unknown keys are named with their path and a suggestion', () => {
    const data = base();
    data.policies[0].tragets = data.policies[0].targets;
    delete data.policies[0].targets;
    const err = configError(() => parseConfig(data, FAKE_PATH));
    expect(err.issues).toEqual([
      { path: 'policies[0].targets', message: 'is required' },
      { path: 'policies[0].tragets', message: 'unknown key; did you mean "targets"?' },
    ]);
    expect(err.message).toBe(`policies[0].targets: is required (and 1 more problem in ${FAKE_PATH}; "sla config check" lists them all)`);

    const d2 = base();
    d2.atRiskTreshold = 70;
    expect(problem(d2)).toBe('atRiskTreshold: unknown key; did you mean "atRiskThresholdPercent"?');
    const d3 = base();
    d3.calendars.office.hours.monday = ['09:00-17:00'];
    expect(problem(d3)).toBe('calendars.office.hours.monday: unknown key; allowed: mon, tue, wed, thu, fri, sat, sun');
    const d4 = base();
    d4.calendars.office.zone = 'UTC';
    expect(problem(d4)).toBe('calendars.office.zone: unknown key; allowed: timezone, hours, holidays, holidayCountry, holidayRegion');
  });

  it('a bad duration names its path and the fix', () => {
    const data = base();
    data.policies.push(
      { name: 'b', match: { tier: 'b' }, calendar: 'office', targets: { urgent: { firstResponse: '1h', resolution: '8h' } } },
      { name: 'c', match: { tier: 'c' }, calendar: 'office', targets: { urgent: { firstResponse: '1h', resolution: '4 hours' } } },
    );
    expect(problem(data)).toBe('policies[2].targets.urgent.resolution: "4 hours" is not a duration; use "4h" or minutes');
    data.policies[2].targets.urgent.resolution = '2d';
    expect(problem(data)).toBe('policies[2].targets.urgent.resolution: "2d" is not a duration; a "day" is ambiguous on a business calendar (24 h or one working day?); write "48h"');
    data.policies[2].targets.urgent.resolution = false;
    expect(problem(data)).toBe('policies[2].targets.urgent.resolution: expected a duration such as "4h", "90m", "1h30m" or a number of minutes, got false');
  });

  it('a bad time range names its path', () => {
    const data = base();
    data.calendars.office.hours.mon = ['25:00-26:00'];
    expect(problem(data)).toBe('calendars.office.hours.mon[0]: "25:00-26:00" is not a time range; use "HH:MM-HH:MM" (25:00 is not a time of day)');
    data.calendars.office.hours.mon = '9-5';
    expect(problem(data)).toBe('calendars.office.hours.mon: "9-5" is not a time range; use "HH:MM-HH:MM"');
  });

  it('overlapping intervals within a day, and across midnight', () => {
    const data = base();
    data.calendars.office.hours.mon = ['09:00-12:00', '11:00-13:00'];
    expect(problem(data)).toBe('calendars.office.hours.mon[1]: "11:00-13:00" overlaps "09:00-12:00"');
    data.calendars.office.hours.mon = ['09:00-12:00', '12:00-13:00'];
    expect(parseConfig(data, FAKE_PATH).calendars.office.weekly[1]).toEqual([{ start: 540, end: 720 }, { start: 720, end: 780 }]);
    data.calendars.office.hours.mon = ['22:00-06:00'];
    data.calendars.office.hours.tue = ['05:00-09:00'];
    expect(problem(data)).toBe('calendars.office.hours.tue[0]: "05:00-09:00" overlaps the overnight hours of mon (until 06:00)');
    data.calendars.office.holidays = [{ date: '2026-12-24', hours: ['09:00-12:00', '10:00-11:00'] }];
    data.calendars.office.hours.tue = ['06:00-09:00'];
    expect(problem(data)).toBe('calendars.office.holidays[0].hours[1]: "10:00-11:00" overlaps "09:00-12:00"');
  });

  it('a calendar that is never open, bad and duplicate holiday dates', () => {
    const data = base();
    data.calendars.office.hours = { sat: ['09:00-09:00'] };
    expect(problem(data)).toBe('calendars.office.hours: no open hours on any day of the week; give e.g. "mon": ["09:00-17:00"], or use "24x7"');
    const d2 = base();
    d2.calendars.office.holidays = ['2026-02-30'];
    expect(problem(d2)).toBe('calendars.office.holidays[0]: "2026-02-30" is not a date; use "YYYY-MM-DD"');
    d2.calendars.office.holidays = ['2026-12-25', { date: '2026-12-25', name: 'again' }];
    expect(problem(d2)).toBe('calendars.office.holidays[1]: 2026-12-25 is already listed at holidays[0]');
    d2.calendars.office.holidays = [{ date: '2026-12-25', hours: ['9-5'] }];
    expect(problem(d2)).toBe('calendars.office.holidays[0].hours[0]: "9-5" is not a time range; use "HH:MM-HH:MM"');
    d2.calendars.office.holidays = [{ date: '2026-12-25', closed: true }];
    expect(problem(d2)).toBe('calendars.office.holidays[0].closed: unknown key; allowed: date, name, hours');
  });

  it('a calendar is "24x7" or an object', () => {
    const data = base();
    data.calendars.always = '24/7';
    expect(problem(data)).toBe('calendars.always: expected "24x7" or a calendar object {"timezone", "hours", "holidays"}, got "24/7"');
  });

  it('an unknown calendar', () => {
    const data = base();
    data.policies[0].calendar = 'ofice';
    expect(problem(data)).toBe('policies[0].calendar: unknown calendar "ofice"; calendars: always, office');
  });

  it('an unknown time zone, at the top and in a calendar', () => {
    const data = base();
    data.timezone = 'America/Springfield';
    expect(problem(data)).toBe('timezone: "America/Springfield" is not an IANA time zone; use e.g. "America/New_York", "Europe/Paris" or "UTC"');
    const d2 = base();
    d2.calendars.office.timezone = 'Mars/Olympus';
    expect(problem(d2)).toBe('calendars.office.timezone: "Mars/Olympus" is not an IANA time zone; use e.g. "America/New_York", "Europe/Paris" or "UTC"');
  });

  it('atRiskThresholdPercent must be 1–99', () => {
    const data = base();
    data.atRiskThresholdPercent = 0;
    expect(problem(data)).toBe('atRiskThresholdPercent: must be at least 1, got 0');
    data.atRiskThresholdPercent = 100;
    expect(problem(data)).toBe('atRiskThresholdPercent: must be at most 99, got 100');
    data.atRiskThresholdPercent = 99;
    expect(parseConfig(data, FAKE_PATH).atRiskThresholdPercent).toBe(99);
    data.atRiskThresholdPercent = '80';
    expect(problem(data)).toBe('atRiskThresholdPercent: expected a number, got "80"');
  });

  it('a policy with no targets', () => {
    const data = base();
    data.policies[0].targets = {};
    expect(problem(data)).toBe('policies[0].targets: no targets; give at least one priority, e.g. "urgent": {"firstResponse": "30m", "resolution": "8h"}');
    delete data.policies[0].targets;
    expect(problem(data)).toBe('policies[0].targets: is required');
  });

  it('a target priority that is not a priority', () => {
    const data = base();
    data.policies[0].targets.critical = { firstResponse: '15m', resolution: '2h' };
    expect(problem(data)).toBe('policies[0].targets.critical: "critical" is not a priority (priorities: urgent, high, medium, low, or an alias from priorityAliases)');
    data.priorityAliases = { critical: 'urgent' };
    expect(problem(data)).toBe('policies[0].targets.critical: "critical" and "urgent" are the same priority ("urgent")');
    data.priorityAliases = { critical: 'sev1' };
    delete data.policies[0].targets.critical;
    expect(problem(data)).toBe('priorityAliases.critical: "sev1" is not a priority (priorities: urgent, high, medium, low)');
    const d2 = base();
    d2.policies[0].match = { priority: ['urgent', 'blocker'] };
    expect(problem(d2)).toBe('policies[0].match.priority[1]: "blocker" is not a priority (priorities: urgent, high, medium, low, or an alias from priorityAliases)');
  });

  it('statuses must be canonical', () => {
    const data = base();
    data.statusMap = { solved: 'done' };
    expect(problem(data)).toBe('statusMap.solved: "done" is not one of: new, open, in_progress, pending, waiting_customer, resolved, closed');
    const d2 = base();
    d2.pauseStatuses = ['pending', 'on_hold'];
    expect(problem(d2)).toBe('pauseStatuses[1]: "on_hold" is not one of: new, open, in_progress, pending, waiting_customer, resolved, closed');
    d2.pauseStatuses = ['resolved'];
    expect(problem(d2)).toBe('pauseStatuses[0]: "resolved" stops the clock; it cannot pause it');
  });

  it('routes and escalations must name known destinations and policies', () => {
    const data = base();
    data.alerts = {
      destinations: { log: { type: 'file', path: 'a.ndjson' } },
      routes: [{ when: { type: 'response_warning' }, to: ['log', 'slack'] }],
    };
    expect(problem(data)).toBe('alerts.routes[0].to[1]: unknown destination "slack"; destinations: log');
    data.alerts.routes = [{ when: { policy: 'gold' }, to: 'log' }];
    expect(problem(data)).toBe('alerts.routes[0].when.policy: unknown policy "gold"; policies: standard');
    data.alerts.routes = [{ when: { type: 'breach' }, to: 'log' }];
    expect(problem(data)).toMatch(/^alerts\.routes\[0\]\.when\.type: /);
    const d2 = base();
    d2.escalations = [{ name: 'x', when: { overdueMinutes: 60 }, actions: { notify: ['pager'] } }];
    expect(problem(d2)).toBe('escalations[0].actions.notify[0]: unknown destination "pager"; define it under alerts.destinations');
  });

  it('escalations need a trigger and an action, exactly the SPEC keys', () => {
    const data = base();
    data.escalations = [{ name: 'x', when: { unassigned: true }, actions: { assignTo: 'lead' } }];
    expect(problem(data)).toBe('escalations[0].when: needs a trigger: elapsedMinutes, atPercent, overdueMinutes, idleMinutes or customerOpenAtLeast');
    data.escalations = [{ name: 'x', when: { idleMinutes: 120 }, actions: {} }];
    expect(problem(data)).toBe('escalations[0].actions: does nothing; give notify, raisePriority or assignTo');
    data.escalations = [{ name: 'x', when: { idleMinutes: 120, metric: 'response' }, actions: { assignTo: 'lead' } }];
    expect(problem(data)).toBe('escalations[0].when.metric: "response" is not one of: first_response, resolution');
    data.escalations = [{ name: 'x', when: { idleMinutes: 120 }, actions: { assignTo: 'lead', page: true } }];
    expect(problem(data)).toBe('escalations[0].actions.page: unknown key; allowed: notify, raisePriority, assignTo');
  });

  it('destinations are checked by type', () => {
    const data = base();
    data.alerts = { destinations: { x: { type: 'pager', url: 'https://x' } } };
    expect(problem(data)).toBe('alerts.destinations.x.type: "pager" is not one of: slack, teams, pagerduty, webhook, email, file');
    data.alerts = { destinations: { x: { type: 'teams', url: 'http://prod-00.westus.logic.azure.com/workflows/abc' } } };
    expect(problem(data)).toBe('alerts.destinations.x.url: is not an https:// URL; write the Teams workflow\'s URL as "$TEAMS_..." and set that variable');
    data.alerts = { destinations: { x: { type: 'slack' } } };
    expect(problem(data)).toBe('alerts.destinations.x.url: is required');
    data.alerts = { destinations: { x: { type: 'slack', url: 'hooks.slack.com/abc' } } };
    expect(problem(data)).toBe('alerts.destinations.x.url: is not an https:// URL; write the Slack webhook as "$SLACK_..." and set that variable');
    data.alerts = { destinations: { x: { type: 'email', smtp: 'mail.example.com', from: 'sla@example.com', to: 'a@example.com' } } };
    expect(problem(data)).toBe('alerts.destinations.x.smtp: is not an smtp:// or smtps:// URL');
    data.alerts = { destinations: {}, ticketUrl: 'https://support.example.com/tickets/' };
    expect(problem(data)).toBe('alerts.ticketUrl: must contain "{id}" where the ticket id goes, e.g. "https://support.example.com/tickets/{id}"');
  });

  it('an unknown holidayCountry or holidayRegion', () => {
    const data = base();
    data.calendars.office.holidayCountry = 'XX';
    expect(problem(data)).toBe('calendars.office.holidayCountry: "XX" is not a country the holiday library knows; use an ISO code such as "US", "GB", "DE"');
    data.calendars.office.holidayCountry = 'US';
    data.calendars.office.holidayRegion = 'ZZ';
    expect(problem(data)).toMatch(/^calendars\.office\.holidayRegion: "ZZ" is not a region of US the holiday library knows; known: AL, AK, /);
    const d2 = base();
    d2.calendars.office.holidayRegion = 'CA';
    expect(problem(d2)).toBe('calendars.office.holidayRegion: needs holidayCountry (e.g. "holidayCountry": "US", "holidayRegion": "CA")');
  });

  it('the whole file must be an object with policies', () => {
    expect(problem([])).toBe('the config must be a JSON object ({"policies": [...], ...}), got a list');
    expect(problem(null)).toBe('the config must be a JSON object ({"policies": [...], ...}), got null');
    expect(problem({})).toBe('policies: is required');
    expect(problem({ policies: [] })).toBe('policies: must not be empty');
  });

  it('duplicate names', () => {
    const data = base();
    data.policies.push({ ...data.policies[0], match: { tier: 'x' } });
    expect(problem(data)).toBe('policies[1].name: "standard" is already the name of policies[0]');
    const d2 = base();
    d2.priorities = ['P1', 'p2', 'p1'];
    d2.policies[0].targets = { p1: { firstResponse: 5, resolution: 10 } };
    expect(problem(d2)).toBe('priorities[2]: "p1" is listed twice');
    const d3 = base();
    d3.tierMultipliers = { Gold: 0.5, gold: 0.8 };
    expect(problem(d3)).toBe('tierMultipliers.gold: "gold" is already given as 0.5 (tiers ignore case)');
    d3.tierMultipliers = { gold: 0 };
    expect(problem(d3)).toBe('tierMultipliers.gold: must be more than 0, got 0');
    const d4 = base();
    d4.escalations = [
      { name: 'x', when: { idleMinutes: 60 }, actions: { assignTo: 'a' } },
      { name: 'x', when: { idleMinutes: 90 }, actions: { assignTo: 'b' } },
    ];
    expect(problem(d4)).toBe('escalations[1].name: "x" is already the name of escalations[0]');
  });

  it('collects every problem', () => {
    const data = base();
    data.timezone = 'Nowhere/Land';
    data.policies[0].calendar = 'missing';
    data.policies[0].targets.urgent.firstResponse = '3 weeks';
    const err = configError(() => parseConfig(data, FAKE_PATH));
    // shape problems are reported first; cross-checks run once the shape is right
    expect(err.issues).toEqual([{ path: 'policies[0].targets.urgent.firstResponse', message: '"3 weeks" is not a duration; a "week" is ambiguous on a business calendar (24 h or one working day?); write "504h"' }]);
    data.policies[0].targets.urgent.firstResponse = '3h';
    expect(configError(() => parseConfig(data, FAKE_PATH)).issues.map((i) => i.path)).toEqual(['timezone', 'policies[0].calendar']);
  });
});

// ------------------------------------------------------------------ finding the file
describe('loadConfig finds the file', () => {
  const setup = (): string => {
    const dir = tempDir();
    mkdirSync(join(dir, 'etc'));
    mkdirSync(join(dir, 'work'));
    const data = base();
    data.database = '../var/sla.db';
    writeFileSync(join(dir, 'etc', 'sla.json'), JSON.stringify(data));
    const local = base();
    local.timezone = 'Europe/Berlin';
    writeFileSync(join(dir, 'work', 'sla.config.json'), JSON.stringify(local));
    return dir;
  };

  it('--config wins over $SLA_CONFIG, which wins over ./sla.config.json', () => {
    const dir = setup();
    const cwd = join(dir, 'work');
    const viaOption = loadConfig({ configPath: '../etc/sla.json', env: { SLA_CONFIG: '/nonexistent.json' }, cwd });
    expect(viaOption.configPath).toBe(join(dir, 'etc', 'sla.json'));
    const viaEnv = loadConfig({ env: { SLA_CONFIG: join(dir, 'etc', 'sla.json') }, cwd });
    expect(viaEnv.configPath).toBe(join(dir, 'etc', 'sla.json'));
    const viaDefault = loadConfig({ env: {}, cwd });
    expect(viaDefault.configPath).toBe(join(cwd, 'sla.config.json'));
    expect(viaDefault.timezone).toBe('Europe/Berlin');
    expect(findConfigPath({ env: { SLA_CONFIG: '' }, cwd })).toEqual({ path: join(cwd, 'sla.config.json'), source: 'default' });
    expect(findConfigPath({ env: { SLA_CONFIG: 'x.json' }, cwd })).toEqual({ path: join(cwd, 'x.json'), source: 'env' });
  });

  it('relative paths are relative to the config file, not the cwd', () => {
    const dir = setup();
    const c = loadConfig({ configPath: join(dir, 'etc', 'sla.json'), env: {}, cwd: '/' });
    expect(c.database).toBe(join(dir, 'var', 'sla.db'));
    const fixture = loadConfig({ configPath: 'test/fixtures/config/minimal.json', env: {}, cwd: ROOT });
    expect(fixture.database).toBe(join(ROOT, 'test/fixtures/config/data/minimal.db'));
    expect(parseConfig({ ...base(), database: '/abs/x.db' }, FAKE_PATH).database).toBe('/abs/x.db');
    expect(parseConfig({ ...base(), database: ':memory:' }, FAKE_PATH).database).toBe(':memory:');
  });

  it('a missing file says where it looked and what to do', () => {
    const dir = tempDir();
    expect(configError(() => loadConfig({ env: {}, cwd: dir })).message)
      .toBe(`config file not found: ${join(dir, 'sla.config.json')} — run "sla init" to write one, pass --config PATH or set $SLA_CONFIG`);
    expect(configError(() => loadConfig({ env: { SLA_CONFIG: 'nope.json' }, cwd: dir })).message)
      .toBe(`config file not found: ${join(dir, 'nope.json')} (given by $SLA_CONFIG) — check the path`);
    expect(configError(() => loadConfig({ configPath: dir, env: {}, cwd: '/' })).message)
      .toBe(`config path ${dir} (given by --config) is a directory — give the path of the JSON file`);
  });
});

// ------------------------------------------------------------------ secrets
describe('secrets', () => {
  it('lists the variables a string refers to', () => {
    expect(secretVariables('$SLACK_WEBHOOK')).toEqual(['SLACK_WEBHOOK']);
    expect(secretVariables('Bearer ${OPS_TOKEN}')).toEqual(['OPS_TOKEN']);
    expect(secretVariables('smtp://$USER:${PASS}@mail:$PORT/$USER')).toEqual(['USER', 'PASS', 'PORT']);
    expect(secretVariables('https://example.com/hook?price=$$5')).toEqual([]);
    expect(secretVariables('no secrets')).toEqual([]);
  });

  it('resolves them from the environment', () => {
    const env = { OPS_TOKEN: 'tok-123', SLACK_WEBHOOK: 'https://hooks.slack.com/services/T/B/x' };
    expect(resolveSecrets('Bearer ${OPS_TOKEN}', env)).toBe('Bearer tok-123');
    expect(resolveSecrets('$SLACK_WEBHOOK', env)).toBe('https://hooks.slack.com/services/T/B/x');
    expect(resolveSecrets('a$$b $OPS_TOKEN', env)).toBe('a$b tok-123');
    expect(resolveSecrets('plain', {})).toBe('plain');
  });

  it('an unset variable is a ConfigError naming the variable, never a value', () => {
    const env = { OPS_TOKEN: 'super-secret-value', EMPTY: '' };
    const err = configError(() => resolveSecrets('$OPS_TOKEN:$MISSING_TOKEN', env, 'alerts.destinations.pager.url'));
    expect(err.message).toBe('alerts.destinations.pager.url: environment variable $MISSING_TOKEN is not set — export it where sla runs (crontab/service environment too)');
    expect(err.message).not.toContain('super-secret-value');
    expect(configError(() => resolveSecrets('${EMPTY}', env)).message).toContain('environment variable $EMPTY is not set');
    expect(configError(() => resolveSecrets('$A $B', {})).message).toContain('environment variables $A, $B are not set');
  });
});

// ------------------------------------------------------------------ the example
describe('sla.config.example.json', () => {
  const example: Config = loadConfig({ configPath: 'sla.config.example.json', env: {}, cwd: ROOT });

  it('loads with every feature resolved', () => {
    expect(example.configPath).toBe(join(ROOT, 'sla.config.example.json'));
    expect(example.database).toBe(join(ROOT, 'sla.db'));
    expect(example.timezone).toBe('America/New_York');
    expect(Object.keys(example.calendars).sort()).toEqual(['always', 'office']);
    const office = example.calendars.office;
    expect(office.timezone).toBe('America/New_York');
    expect(office.weekly[2]).toEqual([{ start: 540, end: 720 }, { start: 780, end: 1020 }]); // Tuesday lunch
    expect(office.holidays.find((h) => h.date === '2026-12-24')).toEqual({ date: '2026-12-24', name: 'Christmas Eve (half day)', hours: [{ start: 540, end: 720 }] });
    expect(typeof office.holidayProvider).toBe('function');
    expect(example.calendars.always.always).toBe(true);
    expect(example.policies.map((p) => [p.name, p.calendar, p.match])).toEqual([
      ['enterprise-247', 'always', { tier: ['enterprise'], priority: ['urgent', 'high'] }],
      ['phone-urgent', 'office', { channel: ['phone'], priority: ['urgent'] }],
      ['standard', 'office', null],
    ]);
    expect(example.policies[2].targets.low).toEqual({ firstResponse: 960, resolution: 5760 });
    expect(example.tierMultipliers).toEqual({ enterprise: 0.5, business: 0.75 });
    expect(example.priorityAliases.critical).toBe('urgent');
    expect(example.statusMap.solved).toBe('resolved');
    expect(example.alerts.destinations.log).toEqual({ name: 'log', type: 'file', path: join(ROOT, 'alerts.ndjson') });
    expect(example.alerts.destinations.warnings).toEqual({ name: 'warnings', type: 'slack', url: '$SLACK_SLA_WARNINGS' });
    expect(example.alerts.ticketUrl).toBe('https://support.example.com/tickets/{id}');
    expect(example.alerts.redact).toEqual(['subject', 'requester']);
    expect(example.alerts.digestAbove).toBe(10);
    expect(example.escalations.map((e) => e.name)).toEqual(['urgent-unassigned', 'resolution-1h-overdue', 'first-response-90']);
    expect(example.escalations[1].actions).toEqual({ notify: ['breaches'], raisePriority: true, assignTo: 'duty-manager' });
  });

  it('references the JSON Schema', () => {
    const raw = JSON.parse(readFileSync(join(ROOT, 'sla.config.example.json'), 'utf8'));
    expect(raw.$schema).toBe('./schema/sla.config.schema.json');
  });
});

// ------------------------------------------------------------------ public holidays
describe('holidayCountry', () => {
  it('US 2026: public holidays only, observed dates included', () => {
    const data = base();
    data.calendars.office.holidayCountry = 'us';
    const provider = parseConfig(data, FAKE_PATH).calendars.office.holidayProvider!;
    const list = provider(2026);
    const dates = list.map((h) => h.date);
    expect(dates).toContain('2026-12-25');
    expect(dates).toContain('2026-07-03'); // Independence Day observed (July 4 is a Saturday)
    expect(dates).toContain('2026-07-04');
    expect(dates).toContain('2026-11-26');
    expect(dates).not.toContain('2026-02-14'); // Valentine's Day: an observance
    expect(dates).not.toContain('2026-12-24'); // Christmas Eve: "optional" in the library
    expect(dates).not.toContain('2026-11-27'); // day after Thanksgiving: an observance
    expect(list.find((h) => h.date === '2026-12-25')).toEqual({ date: '2026-12-25', name: 'Christmas Day' });
    expect(list.find((h) => h.date === '2026-09-07')).toEqual({ date: '2026-09-07', name: 'Labor Day' });
    expect(list).toHaveLength(12);
    expect([...dates].sort()).toEqual(dates);
    expect(provider(2026)).toEqual(list); // deterministic
    expect(provider(2027).map((h) => h.date)).toContain('2027-12-24'); // Christmas 2027 is a Saturday: observed Friday
  });

  it('region holidays: Bavaria has Epiphany, Berlin does not; "bank" days are not holidays', () => {
    const data = base();
    data.calendars.office.holidayCountry = 'DE';
    data.calendars.office.holidayRegion = 'DE-BY';
    const by = parseConfig(data, FAKE_PATH).calendars.office.holidayProvider!(2026).map((h) => h.date);
    expect(by).toContain('2026-01-06');
    expect(by).not.toContain('2026-12-24'); // Heiliger Abend is a bank holiday only
    data.calendars.office.holidayRegion = 'be';
    const be = parseConfig(data, FAKE_PATH).calendars.office.holidayProvider!(2026).map((h) => h.date);
    expect(be).not.toContain('2026-01-06');
    expect(be).toContain('2026-12-25');
  });
});
