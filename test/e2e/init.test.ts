// sla init: a starter that works unedited, --timezone, --demo, --dir (a service's state
// directory) and a $schema that survives a moved install.

import { cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, sla } from '../support/cli.js';
import { tempDir } from '../support/project.js';

const readJson = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as Record<string, any>;

/** One urgent ticket from long ago: breached by now on any calendar. */
const OLD_TICKET = 'id,subject,priority,status,created_at\nT-1,Printer on fire,urgent,open,2025-01-06T10:00:00Z\n';

/** The zone the machine (and so the CLI child) resolves, as init reads it. */
const machineZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

describe('sla init: the starter config', () => {
  it('config check exits 0 with no warning on the starter, unedited', () => {
    const dir = tempDir('sla-init-');
    const r = sla(['init'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const check = sla(['config', 'check'], { cwd: dir });
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).not.toMatch(/warning/i);
    expect(check.stderr).toBe('');
    const json = JSON.parse(sla(['config', 'check', '--format', 'json'], { cwd: dir }).stdout);
    expect(json.warnings).toEqual([]);
    expect(json.errors).toEqual([]);
  });

  it('is minimal: the machine zone, a 24×7 and an office calendar, one catch-all policy, a file destination', () => {
    const dir = tempDir('sla-init-');
    expect(sla(['init'], { cwd: dir }).code).toBe(0);
    const c = readJson(join(dir, 'sla.config.json'));
    expect(c.timezone).toBe(machineZone());
    expect(Object.values(c.calendars)).toContain('24x7');
    expect(Object.values(c.calendars).filter((x) => typeof x === 'object')).toHaveLength(1);
    expect(c.policies).toHaveLength(1);
    expect(c.policies[0].match).toBeUndefined();
    expect(Object.values(c.alerts.destinations).map((d: any) => d.type)).toEqual(['file']);
    expect(c.escalations ?? []).toEqual([]);
    expect(JSON.stringify(c)).not.toMatch(/\$[A-Z_{]/); // no secret to set before it works
  });

  it("takes this machine's zone (TZ here), UTC when the machine has none that works", () => {
    const tokyo = tempDir('sla-init-');
    expect(sla(['init'], { cwd: tokyo, env: { TZ: 'Asia/Tokyo' } }).code).toBe(0);
    expect(readJson(join(tokyo, 'sla.config.json')).timezone).toBe('Asia/Tokyo');
    const none = tempDir('sla-init-');
    expect(sla(['init'], { cwd: none, env: { TZ: 'Not/AZone' } }).code).toBe(0);
    expect(readJson(join(none, 'sla.config.json')).timezone).toBe('UTC');
  });

  it('the first real check exits 0 and its alerts are written (owner-only) after importing a ticket', () => {
    const dir = tempDir('sla-init-');
    expect(sla(['init'], { cwd: dir }).code).toBe(0);
    writeFileSync(join(dir, 'tickets.csv'), OLD_TICKET);
    const imp = sla(['import', 'tickets.csv'], { cwd: dir });
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toMatch(/1 new/);
    const check = sla(['check'], { cwd: dir });
    expect(check.code, check.stderr).toBe(0);
    const c = readJson(join(dir, 'sla.config.json'));
    const file = resolve(dir, (Object.values(c.alerts.destinations)[0] as { path: string }).path);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(expect.arrayContaining(['response_breached', 'resolution_breached']));
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(sla(['alerts', '--pending'], { cwd: dir }).stdout).not.toMatch(/T-1/);
  });

  it('--timezone writes that zone; an unknown zone is a usage error with a hint, and writes nothing', () => {
    const dir = tempDir('sla-init-');
    const r = sla(['init', '--timezone', 'Europe/Berlin'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(readJson(join(dir, 'sla.config.json')).timezone).toBe('Europe/Berlin');
    expect(sla(['config', 'check'], { cwd: dir }).code).toBe(0);

    const other = tempDir('sla-init-');
    const bad = sla(['init', '--timezone', 'Europe/Atlantis'], { cwd: other });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^sla: .*Europe\/Atlantis.* — .*\S\n$/); // one line, with a hint
    expect(existsSync(join(other, 'sla.config.json'))).toBe(false);
    expect(existsSync(join(other, 'sla.db'))).toBe(false);
  });

  it('--demo writes the full example (what init wrote before the starter)', () => {
    const dir = tempDir('sla-init-');
    const r = sla(['init', '--demo'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const c = readJson(join(dir, 'sla.config.json'));
    const example = readJson(join(ROOT, 'sla.config.example.json'));
    const { $schema: _a, ...written } = c;
    const { $schema: _b, ...shipped } = example;
    expect(written).toEqual(shipped);
    expect(c.timezone).toBe('America/New_York');
    expect(Object.keys(c.alerts.destinations)).toHaveLength(5);
  });
});

describe('sla init --dir: a state directory', () => {
  it('creates the folder, writes the config there with the database inside it; usable from anywhere', () => {
    const root = tempDir('sla-init-dir-');
    const state = join(root, 'var', 'lib', 'sla');
    const r = sla(['init', '--dir', state], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const cfg = join(state, 'sla.config.json');
    expect(existsSync(cfg)).toBe(true);
    expect(existsSync(join(root, 'sla.config.json'))).toBe(false);
    const c = readJson(cfg);
    expect(resolve(state, c.database)).toBe(join(state, 'sla.db'));
    expect(existsSync(join(state, 'sla.db'))).toBe(true);
    expect(statSync(state).mode & 0o007).toBe(0); // nothing for others
    expect(r.stdout).toContain(cfg);

    // a service runs it from another working directory (cron: $HOME or /)
    const elsewhere = tempDir('sla-init-cwd-');
    writeFileSync(join(elsewhere, 'tickets.csv'), OLD_TICKET);
    expect(sla(['--config', cfg, 'config', 'check'], { cwd: elsewhere }).stdout).not.toMatch(/warning/i);
    expect(sla(['--config', cfg, 'import', 'tickets.csv'], { cwd: elsewhere }).code).toBe(0);
    const check = sla(['--config', cfg, 'check'], { cwd: elsewhere });
    expect(check.code, check.stderr).toBe(0);
    expect(existsSync(join(state, 'alerts.ndjson'))).toBe(true);
    expect(existsSync(join(elsewhere, 'sla.db'))).toBe(false);
  });

  it('a relative --dir is relative to the working directory; an existing folder is used as it is', () => {
    const root = tempDir('sla-init-dir-');
    mkdirSync(join(root, 'state'));
    expect(sla(['init', '--dir', 'state'], { cwd: root }).code).toBe(0);
    expect(existsSync(join(root, 'state', 'sla.config.json'))).toBe(true);
    expect(existsSync(join(root, 'state', 'sla.db'))).toBe(true);
    expect(sla(['init', '--dir', 'state'], { cwd: root }).code).toBe(1); // no overwrite without --force
    writeFileSync(join(root, 'plain'), '');
    const file = sla(['init', '--dir', 'plain'], { cwd: root });
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/^sla: --dir .*plain is a file, not a folder — .+\n$/);
  });

  it('with --config elsewhere: the config goes there and the database stays in the state directory', () => {
    const root = tempDir('sla-init-dir-');
    const etc = join(root, 'etc', 'sla');
    mkdirSync(etc, { recursive: true });
    const state = join(root, 'state');
    const r = sla(['--config', join(etc, 'sla.config.json'), 'init', '--dir', state], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const c = readJson(join(etc, 'sla.config.json'));
    expect(resolve(etc, c.database)).toBe(join(state, 'sla.db'));
    expect(existsSync(join(state, 'sla.db'))).toBe(true);
    expect(existsSync(join(state, 'sla.config.json'))).toBe(false);
  });
});

describe('sla init: $schema', () => {
  it('points next to the config, at a copy of the shipped schema, so it survives a moved install or folder', () => {
    const dir = tempDir('sla-init-');
    expect(sla(['init'], { cwd: dir }).code).toBe(0);
    const cfg = join(dir, 'sla.config.json');
    const schema = readJson(cfg).$schema as string;
    expect(isAbsolute(schema)).toBe(false);
    expect(schema).not.toMatch(/^[a-z]+:/); // no file:// URL into the install
    const target = resolve(dirname(cfg), schema);
    expect(dirname(target)).toBe(dir);
    expect(readFileSync(target, 'utf8')).toBe(readFileSync(join(ROOT, 'schema', 'sla.config.schema.json'), 'utf8'));

    // the folder moved (a restore, a new host): the reference still resolves
    const moved = join(tempDir('sla-init-moved-'), 'cfg');
    cpSync(dir, moved, { recursive: true });
    expect(existsSync(resolve(moved, readJson(join(moved, 'sla.config.json')).$schema))).toBe(true);

    // --demo and --dir get the same
    const demo = tempDir('sla-init-');
    expect(sla(['init', '--demo', '--dir', join(demo, 'd')], { cwd: demo }).code).toBe(0);
    expect(existsSync(resolve(join(demo, 'd'), readJson(join(demo, 'd', 'sla.config.json')).$schema))).toBe(true);
  });
});
