// sla init — a starter config that works unedited (or, with --demo, the full example), a copy
// of the JSON Schema beside it, and the database; --dir puts them in a service's state directory.

import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IANAZone } from 'luxon';
import { CliError, usageError, type Context } from './context.js';

interface Opts { force?: boolean; dir?: string; timezone?: string; demo?: boolean }

const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Customer data: owner and group only. */
const PRIVATE = 0o640;
/** Folders init creates: the service's group may look in, nobody else. */
const PRIVATE_DIR = 0o750;
/**
 * The schema is copied beside the config and `$schema` names the copy relatively: a path or
 * file:// URL into the install breaks when the install moves (an npm prefix or Node version
 * change, a container image), and a relative path into the install breaks when either side
 * moves. The copy describes the sla that wrote the config; after an upgrade, copy the new one.
 */
const SCHEMA_FILE = 'sla.config.schema.json';

export async function run(ctx: Context, opts: Opts): Promise<number> {
  const zone = opts.timezone ?? machineZone();
  if (!IANAZone.isValidZone(zone)) {
    throw usageError(`--timezone ${JSON.stringify(zone)} is not an IANA time zone`, 'use a name such as Europe/Berlin, America/New_York or UTC');
  }
  const dir = opts.dir === undefined ? undefined : resolve(ctx.cwd, opts.dir);
  if (dir && existsSync(dir) && !statSync(dir).isDirectory()) {
    throw usageError(`--dir ${dir} is a file, not a folder`, 'name a folder (it is created if missing), e.g. --dir /var/lib/sla');
  }
  // --config names the file wherever it is; else --dir holds it (a state directory beats a
  // $SLA_CONFIG left over in the shell); else $SLA_CONFIG, else ./sla.config.json
  const configPath = ctx.globals.config !== undefined ? resolve(ctx.cwd, ctx.globals.config)
    : dir ? join(dir, 'sla.config.json')
    : resolve(ctx.cwd, ctx.env.SLA_CONFIG ?? 'sla.config.json');
  if (existsSync(configPath) && !opts.force) {
    throw new CliError(`${configPath} already exists`, 'keep it, or run `sla init --force` to overwrite it');
  }
  const configDir = dirname(configPath);
  // the database lives in the state directory: named relatively when the config is there too
  const database = !dir ? 'sla.db' : configDir === dir ? 'sla.db' : join(dir, 'sla.db');

  const config = opts.demo ? demoConfig(zone, opts.timezone !== undefined) : starterConfig(zone);
  config.$schema = `./${SCHEMA_FILE}`;
  config.database = database;
  for (const d of new Set([configDir, dir ?? configDir])) mkdirSync(d, { recursive: true, mode: PRIVATE_DIR });
  writeFileSync(join(configDir, SCHEMA_FILE), readFileSync(join(PACKAGE_ROOT, 'schema', SCHEMA_FILE)), { mode: 0o644 });
  writeFileSync(configPath, pretty(config), { mode: PRIVATE });
  chmodSync(configPath, PRIVATE);

  const { loadConfig } = await import('../config/load.js');
  const dbPath = ctx.databasePath(loadConfig({ configPath, env: ctx.env, cwd: ctx.cwd }));
  const { openStore } = await import('../store/port.js');
  const store = await openStore(dbPath, { create: true });
  const version = await store.schemaVersion();
  store.close();
  for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) if (existsSync(f)) chmodSync(f, PRIVATE);

  if (!ctx.globals.quiet) {
    ctx.out(`wrote ${configPath}${opts.demo ? ' (the full example)' : ` (a starter in ${zone}: office hours, one policy, alerts to a file)`}`);
    ctx.out(`created ${dbPath} (schema ${version})`);
    // a config the next plain `sla` would not find is named once, not in every suggestion
    const finds = ctx.globals.config === undefined && resolve(ctx.cwd, ctx.env.SLA_CONFIG ?? 'sla.config.json') === configPath;
    const quoted = /\s/.test(configPath) ? JSON.stringify(configPath) : configPath;
    const first = finds ? '' : `pass \`--config ${quoted}\` (or set SLA_CONFIG) to each command; `;
    ctx.out(opts.demo
      ? `next: ${first}set the alert variables or edit the destinations, then \`sla config check\``
      : `next: ${first}\`sla import tickets.csv\` and \`sla check\`; edit hours, targets and destinations to your team's, then \`sla config check\``);
    // root wrote files a service user cannot write (EACCES, then a "readonly database")
    if (dir && process.getuid?.() === 0) ctx.out(`as root: give the files to the user sla runs as, e.g. \`chown -R sla:sla ${dir}\``);
  }
  return 0;
}

/** This machine's zone (TZ or the system's), UTC when it has none or an unusable one. */
function machineZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone && IANAZone.isValidZone(zone) ? zone : 'UTC';
}

/**
 * What works unedited: `config check` has nothing to warn about (every priority has targets,
 * a catch-all policy, no secret to set, no holiday list to go stale) and alerts go to a file.
 * The office calendar takes the config's zone; "always" is there for a 24×7 policy.
 */
function starterConfig(zone: string): Record<string, unknown> {
  const weekday = ['09:00-17:00'];
  return {
    $schema: '',
    database: 'sla.db',
    timezone: zone,
    priorities: ['urgent', 'high', 'medium', 'low'],
    calendars: {
      office: { hours: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday } },
      always: '24x7',
    },
    policies: [
      {
        name: 'standard',
        description: 'Every ticket, office hours. Add holidays (or holidayCountry) to the office calendar; a policy on "always" runs around the clock',
        calendar: 'office',
        targets: {
          urgent: { firstResponse: '30m', resolution: '8h' },
          high: { firstResponse: '2h', resolution: '16h' },
          medium: { firstResponse: '8h', resolution: '48h' },
          low: { firstResponse: '16h', resolution: '96h' },
        },
      },
    ],
    alerts: {
      destinations: { log: { type: 'file', path: 'alerts.ndjson' } },
      routes: [{ to: ['log'] }],
    },
  };
}

/** The shipped example (New York office, demo holidays, Slack/webhook/email), `--timezone` on top. */
function demoConfig(zone: string, zoneGiven: boolean): Record<string, unknown> {
  const example = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'sla.config.example.json'), 'utf8')) as Record<string, unknown>;
  if (zoneGiven) example.timezone = zone; // its office calendar keeps its own New York zone
  return example;
}

/** JSON with two-space indents and short lists and objects on one line, as a person writes it. */
function pretty(value: unknown): string {
  // joins only the newlines and indents JSON.stringify added (a JSON string holds no raw newline)
  const join = (open: string, close: string, pad: string) => (whole: string, items: string): string => {
    const line = items.replace(/,\n\s*/g, ', ');
    return line.length <= 72 ? `${open}${pad}${line}${pad}${close}` : whole;
  };
  return JSON.stringify(value, null, 2)
    .replace(/\[\n\s*([^[\]{}]*?)\n\s*\]/g, join('[', ']', ''))
    .replace(/\{\n\s*([^[\]{}]*?)\n\s*\}/g, join('{', '}', ' ')) + '\n';
}
