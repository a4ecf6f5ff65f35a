import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, sla } from '../support/cli.js';
import { baseConfig, tempDir, writeJson } from '../support/project.js';

describe('the program', () => {
  it('--help lists the commands with examples; --version prints the package version', () => {
    const dir = tempDir();
    const help = sla(['--help'], { cwd: dir });
    expect(help.code).toBe(0);
    for (const c of ['init', 'config', 'calendar', 'due']) expect(help.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    expect(help.stdout).toContain('Examples:');
    const v = sla(['--version'], { cwd: dir });
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('a typo gets a suggestion and exit 2', () => {
    const r = sla(['calender'], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^sla: unknown command 'calender'/);
    expect(r.stderr).toContain('calendar');
  });

  it('`sla` alone and `sla help nosuch` are usage errors (exit 2): the help on stderr, or one line; `sla help list` is help', () => {
    const dir = tempDir();
    const bare = sla([], { cwd: dir });
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/^Usage: sla /);
    const nosuch = sla(['help', 'nosuch'], { cwd: dir });
    expect(nosuch.code).toBe(2);
    expect(nosuch.stderr.trim().split('\n')).toEqual(["sla: unknown command 'nosuch' — see `sla --help`"]);
    const list = sla(['help', 'list'], { cwd: dir });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^Usage: sla list/);
  });

  it('unexpected errors are one line without a stack trace unless --verbose', () => {
    const dir = tempDir();
    const quiet = sla(['--x-internal-crash'], { cwd: dir });
    expect(quiet.code).toBe(1);
    expect(quiet.stderr.trim().split('\n')).toHaveLength(1);
    expect(quiet.stderr).toMatch(/^sla: internal crash requested — /);
    const loud = sla(['--x-internal-crash', '--verbose'], { cwd: dir });
    expect(loud.stderr).toMatch(/at main \(/);
  });

  it('a missing config is a config error (exit 2) that says what to do', () => {
    const r = sla(['due', '--priority', 'urgent'], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/sla\.config\.json/);
  });
});

describe('sla init', () => {
  it('writes a starter config and the database, owner/group-readable only, and refuses to overwrite', () => {
    const dir = tempDir();
    const r = sla(['init'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const cfg = join(dir, 'sla.config.json');
    expect(existsSync(cfg)).toBe(true);
    expect(existsSync(join(dir, 'sla.db'))).toBe(true);
    expect(statSync(cfg).mode & 0o777).toBe(0o640);
    expect(statSync(join(dir, 'sla.db')).mode & 0o777).toBe(0o640);
    const schema = JSON.parse(readFileSync(cfg, 'utf8')).$schema as string;
    expect(existsSync(resolve(dir, schema))).toBe(true);
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('"timezone"', '"timezone"')); // untouched marker below
    const before = readFileSync(cfg, 'utf8');
    const again = sla(['init'], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists — .*--force/);
    expect(readFileSync(cfg, 'utf8')).toBe(before);
    expect(sla(['init', '--force'], { cwd: dir }).code).toBe(0);
    expect(sla(['config', 'check'], { cwd: dir }).code).toBe(0);
  });
});

describe('customer data', () => {
  it('warns once on stderr when the database is readable by everyone', () => {
    const dir = tempDir();
    writeJson(join(dir, 'sla.config.json'), baseConfig());
    writeFileSync(join(dir, 't.csv'), 'id,priority,created_at\n1,urgent,2025-11-01T10:00:00Z\n');
    expect(sla(['import', 't.csv'], { cwd: dir }).stderr).toBe('');
    expect(statSync(join(dir, 'sla.db')).mode & 0o777).toBe(0o640);
    chmodSync(join(dir, 'sla.db'), 0o644);
    const r = sla(['list'], { cwd: dir });
    expect(r.code).toBe(0);
    const warnings = r.stderr.trim().split('\n').filter((l) => /readable by everyone/.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/chmod 640/);
  });
});

describe('sla config check', () => {
  it('passes on the shipped example config', () => {
    const r = sla(['--config', join(ROOT, 'sla.config.example.json'), 'config', 'check'], { cwd: tempDir() });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/OK/);
  });

  const bad: Array<[string, (c: Record<string, any>) => unknown, RegExp]> = [
    ['unknown key', (c) => ({ ...c, colour: 'red' }), /colour/],
    ['unknown calendar', (c) => { c.policies[1].calendar = 'nope'; return c; }, /policies\[1\]\.calendar/],
    ['unknown zone', (c) => { c.calendars.office.timezone = 'Mars/Olympus'; return c; }, /calendars\.office\.timezone/],
    ['25:00', (c) => { c.calendars.office.hours.mon = ['09:00-25:00']; return c; }, /calendars\.office\.hours\.mon\[0\]/],
    ['overlapping intervals', (c) => { c.calendars.office.hours.mon = ['09:00-12:00', '11:00-17:00']; return c; }, /calendars\.office\.hours\.mon/],
    ['at-risk 0', (c) => ({ ...c, atRiskThresholdPercent: 0 }), /atRiskThresholdPercent/],
    ['at-risk 100', (c) => ({ ...c, atRiskThresholdPercent: 100 }), /atRiskThresholdPercent/],
    ['no targets', (c) => { c.policies[1].targets = {}; return c; }, /policies\[1\]\.targets/],
    ['bad duration', (c) => { c.policies[1].targets.urgent.resolution = '4 hours'; return c; }, /policies\[1\]\.targets\.urgent\.resolution: "4 hours" is not a duration; use "4h" or minutes/],
    ['a day', (c) => { c.policies[1].targets.urgent.resolution = '2d'; return c; }, /"2d".*48h/],
    // numbers that passed and then crashed every command
    ['1e308 minutes', (c) => { c.policies[1].targets.urgent.resolution = 1e308; return c; }, /policies\[1\]\.targets\.urgent\.resolution: .*more than ten years/],
    ['"100000h"', (c) => { c.policies[1].targets.urgent.firstResponse = '100000h'; return c; }, /policies\[1\]\.targets\.urgent\.firstResponse: "100000h" is more than ten years/],
    ['a tier multiplier of 1e300', (c) => ({ ...c, tierMultipliers: { enterprise: 1e300 } }), /tierMultipliers\.enterprise/],
  ];
  for (const [name, mutate, pattern] of bad) {
    it(`refuses ${name}: exit 2, the JSON path named, nothing written`, () => {
      const dir = tempDir();
      writeJson(join(dir, 'sla.config.json'), mutate(baseConfig()));
      const r = sla(['config', 'check'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(pattern);
      const d = sla(['due', '--priority', 'urgent'], { cwd: dir });
      expect(d.code).toBe(2);
      expect(d.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(join(dir, 'sla.db'))).toBe(false);
    });
  }

  it('a policy no ticket can reach (a catch-all first) is an error for every command, not only for config check', () => {
    const dir = tempDir();
    const c = baseConfig();
    c.policies = [(c.policies as unknown[])[1], (c.policies as unknown[])[0]]; // the catch-all "standard" before enterprise-247
    writeJson(join(dir, 'sla.config.json'), c);
    const check = sla(['config', 'check'], { cwd: dir });
    expect(check.code).toBe(2);
    expect(check.stdout).toMatch(/^error: policies\[1\]: policy "enterprise-247" is unreachable/m);
    for (const args of [['due', '--priority', 'urgent'], ['list'], ['import', 'nothing.csv']]) {
      const r = sla(args, { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^sla: policies\[1\]: policy "enterprise-247" is unreachable/);
    }
    expect(existsSync(join(dir, 'sla.db'))).toBe(false);
  });

  it('malformed JSON names the line and column', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'sla.config.json'), '{\n  "timezone": "UTC",\n  "priorities": [,]\n}');
    const r = sla(['config', 'check'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 3/);
  });
});

describe('sla calendar', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    writeJson(join(dir, 'sla.config.json'), baseConfig({
      calendars: {
        office: {
          timezone: 'America/New_York',
          hours: { mon: ['09:00-17:00'], tue: ['09:00-12:00', '13:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] },
          holidays: ['2026-12-25', { date: '2026-12-24', hours: ['09:00-12:00'] }],
        },
        utc: { timezone: 'UTC', hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] } },
        always: '24x7',
      },
    }));
  });

  it('--add gives the SPEC example: Friday 16:30Z + 4h = Monday 12:30Z', () => {
    const r = sla(['calendar', 'utc', '--from', '2025-10-31T16:30Z', '--add', '4h', '--format', 'json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ calendar: 'utc', from: '2025-10-31T16:30:00Z', add: 240, due: '2025-11-03T12:30:00Z' });
  });

  it('--from without an offset is local to the calendar; lunch breaks and holidays count', () => {
    // Tue 2026-12-22 11:00 EST + 3h: 1 h to 12:00, lunch, 13:00 + 2 h = 15:00 EST = 20:00Z
    const r = sla(['calendar', 'office', '--from', '2026-12-22T11:00', '--add', '180', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(r.stdout).due).toBe('2026-12-22T20:00:00Z');
    // Thu 24th only 09–12, Fri 25th closed: from Thu 11:00 + 2 h → Mon 28th 10:00 EST
    const h = sla(['calendar', 'office', '--from', '2026-12-24T11:00', '--add', '2h', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(h.stdout).due).toBe('2026-12-28T15:00:00Z');
  });

  it('--to gives the open minutes between', () => {
    const r = sla(['calendar', 'office', '--from', '2026-12-23T09:00', '--to', '2026-12-28T17:00', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(r.stdout)).toEqual({ calendar: 'office', from: '2026-12-23T14:00:00Z', to: '2026-12-28T22:00:00Z', minutes: 480 + 180 + 480 });
  });

  it('--month lists each day with its hours and marks holidays', () => {
    const r = sla(['calendar', 'office', '--month', '2026-12', '--format', 'json'], { cwd: dir });
    const m = JSON.parse(r.stdout);
    expect(m.days).toHaveLength(31);
    const d24 = m.days.find((d: any) => d.date === '2026-12-24');
    expect(d24.minutes).toBe(180);
    expect(d24.open[0].local).toBe('09:00-12:00');
    const d25 = m.days.find((d: any) => d.date === '2026-12-25');
    expect(d25.minutes).toBe(0);
    expect(d25.holiday).not.toBeNull();
    const tue = m.days.find((d: any) => d.date === '2026-12-22');
    expect(tue.open.map((o: any) => o.local)).toEqual(['09:00-12:00', '13:00-17:00']);
    const table = sla(['calendar', 'office', '--month', '2026-12'], { cwd: dir });
    expect(table.stdout).toMatch(/2026-12-25.*Fri.*closed/);
  });

  it('bad input: unknown calendar, bad time, bad duration → exit 2', () => {
    expect(sla(['calendar', 'nope', '--from', '2026-01-01T00:00Z', '--add', '1h'], { cwd: dir }).code).toBe(2);
    const t = sla(['calendar', 'office', '--from', 'yesterday', '--add', '1h'], { cwd: dir });
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/--from "yesterday" is not a time/);
    const d = sla(['calendar', 'office', '--from', '2026-01-01T00:00Z', '--add', '2d'], { cwd: dir });
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/48h/);
  });
});

describe('sla due', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    writeJson(join(dir, 'sla.config.json'), baseConfig());
  });

  it('gives the policy, targets and deadlines of a hypothetical ticket (JSON)', () => {
    const r = sla(['due', '--priority', 'urgent', '--created', '2025-10-31T16:30Z', '--format', 'json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.policy).toBe('standard');
    expect(j.calendar).toBe('office');
    expect(j.resolution).toEqual({ target: 240, atRiskAt: '2025-11-03T11:42:00Z', dueAt: '2025-11-03T12:30:00Z' });
    expect(j.firstResponse.dueAt).toBe('2025-10-31T17:00:00Z');
    expect(j.matched[0]).toMatchObject({ name: 'enterprise-247', matched: false });
  });

  it('applies aliases, tiers and multipliers; --at sets the creation instant', () => {
    const r = sla(['--at', '2025-11-01T10:00Z', 'due', '--priority', 'CRITICAL', '--tier', 'enterprise', '--format', 'json'], { cwd: dir });
    const j = JSON.parse(r.stdout);
    expect(j.priority).toBe('urgent');
    expect(j.policy).toBe('enterprise-247');
    expect(j.resolution.target).toBe(240);
    expect(j.resolution.dueAt).toBe('2025-11-01T14:00:00Z');
  });

  it('says why a ticket gets no SLA', () => {
    const r = sla(['due', '--priority', 'low', '--tier', 'enterprise', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ policy: null, noSlaReason: 'policy enterprise-247 has no targets for priority low' });
  });

  it('prints a table for people; an unknown priority is a usage error', () => {
    const t = sla(['due', '--priority', 'high', '--created', '2025-10-31T16:30Z'], { cwd: dir });
    expect(t.stdout).toMatch(/Policy:\s+standard/);
    expect(t.stdout).toMatch(/resolution.*16h 00m/);
    const u = sla(['due', '--priority', 'whenever'], { cwd: dir });
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/unknown priority "whenever" — use one of: urgent, high, medium, low/);
  });
});
