// What every command gets: global options, output streams, the clock (`--at`),
// and lazily loaded config, calendars and store. Commands return exit codes.

import { rmSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Config } from '../config/types.js';
import { UserError } from '../errors.js';
import { safeText } from '../render/safe-text.js';
import type { Calendar } from '../domain/calendar.js';
import type { Setup } from '../app/setup.js';
import { databaseVariable, isServerUrl, type Store } from '../store/port.js';

export interface GlobalOptions {
  config?: string;
  db?: string;
  at?: string;
  format?: string;
  color?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  actor?: string;
}

/** An error the user can act on: one line, what is wrong — what to do. */
export class CliError extends UserError {}
export const usageError = (message: string, hint: string): CliError => new CliError(message, hint, 2);

export interface Output {
  write(text: string): void;
  isTTY: boolean;
  /** A terminal's width in characters. */
  columns?: number;
}

export class Context {
  readonly globals: GlobalOptions;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly stdout: Output;
  readonly stderr: Output;
  private readonly wallClock: () => number;

  /** The real clock (never --at): leases, run times. SLA_CLOCK_SKEW_MS shifts it (drills and tests of lease expiry). */
  readonly realClock = (): number => this.wallClock();
  private cachedNow: number | undefined;
  private cachedConfig: Config | undefined;
  private cachedStore: Store | undefined;
  private cachedCalendars = new Map<string, Calendar>();
  private calendarClass: typeof Calendar | undefined;

  constructor(init: { globals: GlobalOptions; env: NodeJS.ProcessEnv; cwd: string; stdout: Output; stderr: Output; wallClock: () => number }) {
    this.globals = init.globals;
    this.env = init.env;
    this.cwd = init.cwd;
    this.stdout = init.stdout;
    this.stderr = init.stderr;
    this.wallClock = init.wallClock;
  }

  /** How wide a table may be: the terminal's width, else (a pipe, a file) 80 characters. */
  get width(): number {
    return this.stdout.isTTY && this.stdout.columns ? this.stdout.columns : 80;
  }

  /** Colour only on a terminal, never with --no-color or NO_COLOR. */
  get color(): boolean {
    return this.stdout.isTTY && this.globals.color !== false && !this.env.NO_COLOR;
  }

  /**
   * A line (or lines) for people: control and bidi characters that came with ticket data are
   * made visible and inert (render/safe-text.ts); sla's own colours stay.
   */
  out(line = ''): void {
    const text = safeText(line, this.color);
    this.stdout.write(text.endsWith('\n') ? text : text + '\n');
  }

  /** Data for programs (JSON, CSV, NDJSON): written as it is (JSON escapes what it must). */
  data(line: string): void {
    this.stdout.write(line.endsWith('\n') ? line : line + '\n');
  }

  warn(line: string): void {
    this.stderr.write(`sla: ${safeText(line)}\n`);
  }

  /** Who acts: --actor, else $SLA_ACTOR, else the OS user. */
  actor(): string {
    if (this.globals.actor) return this.globals.actor;
    if (this.env.SLA_ACTOR) return this.env.SLA_ACTOR;
    return this.osUser();
  }

  format(allowed: readonly string[], fallback = 'table'): string {
    const f = this.globals.format ?? fallback;
    if (!allowed.includes(f)) throw usageError(`--format ${f} is not supported here`, `use one of: ${allowed.join(', ')}`);
    return f;
  }

  /**
   * The config, loaded once. A config with an error `config check` reports (an unreachable
   * policy) is refused here too, for every command (exit 2); `config check` itself asks with
   * `{ lintErrors: false }` and lists the errors as findings.
   */
  async config(opts: { lintErrors?: boolean } = {}): Promise<Config> {
    if (!this.cachedConfig) {
      const { loadConfig } = await import('../config/load.js');
      this.cachedConfig = loadConfig({ configPath: this.globals.config, env: this.env, cwd: this.cwd });
      const { Calendar } = await import('../domain/calendar.js');
      this.calendarClass = Calendar;
    }
    if (opts.lintErrors !== false && !this.configLinted) {
      const { configErrors } = await import('../config/lint.js');
      const errors = configErrors(this.cachedConfig);
      if (errors.length > 0) {
        const { ConfigError } = await import('../config/errors.js');
        throw ConfigError.fromIssues(errors.map(({ path, message }) => ({ path, message })), this.cachedConfig.configPath);
      }
      this.configLinted = true;
    }
    return this.cachedConfig;
  }

  private configLinted = false;

  /** The instant the command acts at: --at, else the wall clock (read once). */
  async now(): Promise<number> {
    if (this.cachedNow === undefined) {
      // `--at ""` is an error (not "now"): an empty variable in a script must not go unnoticed
      this.cachedNow = this.globals.at !== undefined
        ? await this.parseTime(this.globals.at, (await this.config({ lintErrors: false })).timezone, '--at')
        : this.wallClock();
    }
    return this.cachedNow;
  }

  async parseTime(text: string, zone: string, option: string): Promise<number> {
    if (text === 'now') return this.wallClock();
    const { parseInstant } = await import('../domain/instant.js');
    const t = parseInstant(text, zone);
    if (t === null) {
      throw usageError(`${option} ${JSON.stringify(text)} is not a time`, 'use ISO 8601 such as 2026-11-03T09:00 (local to the config timezone) or 2026-11-03T14:00Z');
    }
    return t;
  }

  /** A calendar of the config, built once per run (its day table is cached inside). */
  async calendar(name: string): Promise<Calendar> {
    const config = await this.config();
    if (!config.calendars[name]) {
      throw new CliError(`unknown calendar ${JSON.stringify(name)}`, `the config defines: ${Object.keys(config.calendars).join(', ')}`, 2);
    }
    return this.calendarSync(name);
  }

  /** Synchronous calendar lookup for the domain (after config() has loaded). */
  calendarSync = (name: string): Calendar => {
    const cached = this.cachedCalendars.get(name);
    if (cached) return cached;
    const spec = this.cachedConfig?.calendars[name];
    if (!spec || !this.calendarClass) throw new CliError(`unknown calendar ${JSON.stringify(name)}`, 'check the calendars in the config, then run `sla recalc`', 2);
    const cal = new this.calendarClass(spec);
    this.cachedCalendars.set(name, cal);
    return cal;
  };

  /** The database this command opened (or tried to), for messages about it. */
  openedDatabase: string | null = null;

  /** The operating-system user sla runs as (for messages about permissions). */
  osUser(): string {
    try {
      return userInfo().username;
    } catch {
      return this.env.USER ?? 'unknown';
    }
  }

  databasePath(config: Config | null): string {
    const given = this.globals.db || this.env.SLA_DB;
    if (given) return isServerUrl(given) ? given : resolve(this.cwd, given);
    if (config) return this.fromEnvironment(config.database);
    return resolve(this.cwd, 'sla.db');
  }

  /**
   * A `database` written as `$NAME` (a team's URL, which holds a password, kept out of the
   * config): the variable's value, a server URL.
   */
  private fromEnvironment(database: string): string {
    const name = databaseVariable(database);
    if (name === null) return database;
    const value = this.env[name];
    if (!value) throw new UserError(`the config's "database" is $${name}, which is not set`, `export ${name}=postgres://USER@HOST/DATABASE (README: "Team setup"), or name a SQLite file in "database"`, 2);
    if (!isServerUrl(value)) throw new UserError(`$${name} (the config's "database") is not a postgres:// URL`, `set it to postgres://USER@HOST/DATABASE, or name a SQLite file in "database" itself`, 2);
    return value;
  }

  async store(opts: { create?: boolean } = {}): Promise<Store> {
    if (!this.cachedStore) {
      const config = await this.config();
      const { openStore } = await import('../store/port.js');
      const path = this.databasePath(config);
      this.openedDatabase = path;
      this.cachedStore = await openStore(path, opts);
      this.warnIfWorldReadable(path);
    }
    return this.cachedStore;
  }

  /**
   * What a use case is given (app/setup.ts): the config, its calendars, the instant the
   * command acts at, the store and who acts — loaded once. A command checks its own options
   * first, so that a usage error is told before any database is opened.
   */
  async setup(opts: { create?: boolean } = {}): Promise<Setup> {
    const config = await this.config();
    const now = await this.now();
    const store = await this.store(opts);
    return { config, settings: config, calendar: this.calendarSync, now, store, actor: this.actor(), env: this.env, wall: this.realClock };
  }

  /** Ticket data is customer data: say so once when anyone on the machine can read it. */
  private warnIfWorldReadable(path: string): void {
    try {
      if ((statSync(path).mode & 0o004) !== 0) {
        this.warn(`database ${path} is readable by everyone; it holds customer data — run \`chmod 640 ${path}\``);
      }
    } catch {
      /* :memory: or vanished: nothing to say */
    }
  }

  /**
   * Says, next to the database, that this command holds its write lock for long (`what`: "an
   * import of big.csv"), so that a command that waits too long for it can say who holds it.
   * Best effort (a folder that cannot be written only loses the note); removed by close().
   */
  async holdsWrites(what: string): Promise<void> {
    if (!this.openedDatabase || this.openedDatabase === ':memory:') return;
    const { holderNote } = await import('../store/port.js');
    const file = await holderNote(this.openedDatabase);
    if (file === null) return;
    try {
      writeFileSync(file, JSON.stringify({ what, pid: process.pid, since: this.wallClock() }));
      this.holderNote = file;
    } catch { /* no note */ }
  }

  private holderNote: string | null = null;

  close(): void {
    this.cachedStore?.close();
    this.cachedStore = undefined;
    if (this.holderNote) {
      try { rmSync(this.holderNote, { force: true }); } catch { /* gone */ }
      this.holderNote = null;
    }
  }
}
