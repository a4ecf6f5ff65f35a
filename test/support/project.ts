// A project for an end-to-end test: a temp folder with sla.config.json (its database sla.db
// beside it), tickets imported from a CSV, and the real CLI run there (./cli.ts) —
// synchronously, or asynchronously where the test serves HTTP or SMTP in this process.
// The state a test checks is read through the CLI too (show, list, alerts, runs, audit as
// JSON); only the tests about the SQLite engine itself read the file (`query`).
//
// With SLA_TEST_ENGINE=postgres (vitest.config.ts: the suites that hold both engines to the
// same assertions) each project's database is instead a new database on the test PostgreSQL
// server, given to every command as $SLA_DB, and `query` reads it with psql.

import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { sla, slaAsync, spawnSla, type Result } from './cli.js';

export function tempDir(prefix = 'sla-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2));
}

/** A small config with a UTC office calendar (Mon–Fri 09:00–17:00) and a 24×7 one. */
export function baseConfig(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    database: 'sla.db',
    timezone: 'UTC',
    priorities: ['urgent', 'high', 'medium', 'low'],
    priorityAliases: { critical: 'urgent', normal: 'medium' },
    tierMultipliers: { enterprise: 0.5 },
    calendars: {
      office: {
        timezone: 'UTC',
        hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] },
        holidays: ['2025-12-25'],
      },
      always: '24x7',
    },
    policies: [
      { name: 'enterprise-247', match: { tier: ['enterprise'] }, calendar: 'always',
        targets: { urgent: { firstResponse: '30m', resolution: '8h' } } },
      { name: 'standard', calendar: 'office',
        targets: { urgent: { firstResponse: '30m', resolution: '4h' }, high: { firstResponse: '2h', resolution: '16h' },
                   medium: { firstResponse: '8h', resolution: '48h' }, low: { firstResponse: '16h', resolution: '96h' } } },
    ],
    ...over,
  };
}

/**
 * The alert tests' config: one 24×7 policy (urgent: first response 1h, resolution 4h;
 * high: 2h / 8h; medium: 4h / 16h; at risk at 80 %), so every instant is plain arithmetic.
 */
export function alwaysConfig(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    database: 'sla.db',
    timezone: 'UTC',
    priorities: ['urgent', 'high', 'medium', 'low'],
    calendars: { always: '24x7' },
    policies: [{ name: 'p247', calendar: 'always', targets: {
      urgent: { firstResponse: '1h', resolution: '4h' }, high: { firstResponse: '2h', resolution: '8h' },
      medium: { firstResponse: '4h', resolution: '16h' },
    } }],
    ...over,
  };
}

/** A ticket row of an export (updated_at: created_at unless given). */
export interface TicketSpec {
  id: string; subject?: string; customer?: string; tier?: string; priority?: string; status?: string; assignee?: string;
  created_at: string; updated_at?: string; first_response_at?: string;
}

const COLS = ['id', 'subject', 'customer', 'tier', 'priority', 'status', 'assignee', 'created_at', 'updated_at', 'first_response_at'] as const;
const cell = (v: string | undefined): string => (v === undefined ? '' : /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function ticketsCsv(list: TicketSpec[]): string {
  return [COLS.join(','), ...list.map((t) => COLS.map((c) => cell(c === 'updated_at' ? t.updated_at ?? t.created_at : t[c])).join(','))].join('\n') + '\n';
}

/** Fast retries and short timeouts (SLA_* tuning variables), for every project's commands. */
export const FAST: NodeJS.ProcessEnv = { SLA_RETRY_BASE_MS: '5', SLA_SLACK_INTERVAL_MS: '0', SLA_HTTP_TIMEOUT_MS: '1500' };

/** What a command of a project may add: variables (on top of the project's) and standard input. */
export interface RunExtra { env?: NodeJS.ProcessEnv; input?: string }

export interface Project {
  dir: string;
  configPath: string;
  /** The database file (for the tests of the SQLite engine), or the PostgreSQL database's URL (see ENGINE). */
  db: string;
  env: NodeJS.ProcessEnv;
  /** `sla ARGS` in the project's folder, synchronously. */
  sla(args: string[], extra?: RunExtra): Result;
  /** The same, asynchronously: for a test that serves what the command calls. */
  slaAsync(args: string[], extra?: RunExtra): Promise<Result>;
  /** The same in the background, the child at hand. */
  spawn(args: string[], extra?: RunExtra): ReturnType<typeof spawnSla>;
  /** Its standard output, the command having succeeded (exit 0). */
  out(args: string[], extra?: RunExtra): string;
  /** `sla ARGS --format json`, succeeded, parsed. */
  json<T = any>(args: string[], extra?: RunExtra): T;
  /** `sla show ID --format json` (as of `at`, else now). */
  show(id: string, at?: string): any;
  /** Writes a file into the folder; its name back. */
  write(name: string, text: string | Buffer): string;
  /** Imports tickets (rows, or a CSV file's text) with --at `at`, expecting it to succeed. */
  importTickets(tickets: TicketSpec[] | string, at?: string): void;
  /** Everything the database holds, as text (the SQLite file and its WAL's bytes; PostgreSQL's dump): what must never be in it. */
  stored(): string;
  /** A read of the database file, for the tests of the SQLite engine only (its indexes, journal …). */
  query<T = any>(sql: string, ...params: unknown[]): T[];
}

export interface ProjectOptions {
  /** sla.config.json (default: baseConfig()). */
  config?: Record<string, unknown>;
  /** Tickets imported at the start: rows, or a CSV file's text. */
  tickets?: TicketSpec[] | string;
  /** The --at of that import (default: the first row's created_at; none for a CSV text). */
  importAt?: string;
  /** Variables of every command (on top of FAST). */
  env?: NodeJS.ProcessEnv;
  /** The temp folder's prefix. */
  prefix?: string;
}

/** The engine of the projects' databases: 'sqlite' (a file) unless SLA_TEST_ENGINE=postgres. */
export const ENGINE: 'sqlite' | 'postgres' = process.env.SLA_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

/** psql's output of `sql` on the database at `url` (unaligned, no headers). */
function psql(url: string, sql: string): string {
  const r = spawnSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql: ${r.stderr || r.error}`);
  return r.stdout;
}

const madeDatabases: string[] = [];
if (ENGINE === 'postgres') {
  afterAll(() => {
    for (const name of madeDatabases.splice(0)) psql(process.env.SLA_TEST_POSTGRES_URL!, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
}

/** A new, empty database on the test server, dropped at the end of the test file. */
function newPostgresDatabase(): string {
  const base = process.env.SLA_TEST_POSTGRES_URL;
  if (!base) throw new Error('SLA_TEST_ENGINE=postgres needs the test server: eval "$(.ci/postgres start)"');
  const name = `sla_e2e_${randomBytes(6).toString('hex')}`;
  psql(base, `CREATE DATABASE ${name}`);
  madeDatabases.push(name);
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.href;
}

/** A value as an SQL literal (psql is given the query whole). */
const literal = (v: unknown): string =>
  v === null || v === undefined ? 'NULL' : typeof v === 'number' || typeof v === 'bigint' ? String(v) : `'${String(v).replace(/'/g, "''")}'`;

export function project(opts: ProjectOptions = {}): Project {
  const dir = tempDir(opts.prefix ?? 'sla-project-');
  const configPath = join(dir, 'sla.config.json');
  const server = ENGINE === 'postgres' ? newPostgresDatabase() : null;
  // the config names the server too: a command run without the project's variables (cron) finds it
  writeJson(configPath, server ? { ...(opts.config ?? baseConfig()), database: server } : opts.config ?? baseConfig());
  const env = { ...FAST, ...(server ? { SLA_DB: server } : {}), ...opts.env };
  const run = (extra: RunExtra = {}) => ({ cwd: dir, env: { ...env, ...extra.env }, input: extra.input });
  let imports = 0;
  const p: Project = {
    dir, configPath, db: server ?? join(dir, 'sla.db'), env,
    sla: (args, extra) => sla(args, run(extra)),
    slaAsync: (args, extra) => slaAsync(args, run(extra)),
    spawn: (args, extra) => spawnSla(args, run(extra)),
    out: (args, extra) => {
      const r = p.sla(args, extra);
      expect(r.code, `sla ${args.join(' ')}: ${r.stderr}${r.stdout}`).toBe(0);
      return r.stdout;
    },
    json: (args, extra) => JSON.parse(p.out([...args, '--format', 'json'], extra)),
    show: (id, at) => p.json(at === undefined ? ['show', id] : ['--at', at, 'show', id]),
    write: (name, text) => {
      writeFileSync(join(dir, name), text);
      return name;
    },
    importTickets: (tickets, at) => {
      const file = p.write(`tickets-${++imports}.csv`, typeof tickets === 'string' ? tickets : ticketsCsv(tickets));
      const r = p.sla([...(at === undefined ? [] : ['--at', at]), 'import', file]);
      expect(r.code, `import failed: ${r.stderr}${r.stdout}`).toBe(0);
    },
    stored: () => {
      if (server) {
        const r = spawnSync('pg_dump', ['--data-only', '-d', server], { encoding: 'latin1', maxBuffer: 1 << 30 });
        if (r.status !== 0) throw new Error(`pg_dump: ${r.stderr}`);
        return r.stdout;
      }
      const wal = `${p.db}-wal`;
      return readFileSync(p.db).toString('latin1') + (existsSync(wal) ? readFileSync(wal).toString('latin1') : '');
    },
    query: (sql, ...params) => {
      if (server) {
        let k = 0;
        const text = sql.replace(/\?/g, () => literal(params[k++]));
        return JSON.parse(psql(server, `SELECT coalesce(json_agg(q), '[]') FROM (${text}) AS q`)) as any[];
      }
      const db = new Database(p.db, { readonly: true, fileMustExist: true });
      try { return db.prepare(sql).all(...params) as any[]; } finally { db.close(); }
    },
  };
  if (opts.tickets !== undefined) {
    p.importTickets(opts.tickets, opts.importAt ?? (typeof opts.tickets === 'string' ? undefined : opts.tickets[0].created_at));
  }
  return p;
}
