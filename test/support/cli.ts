// Running the real CLI (bin/sla → dist/, built by `npm test` before vitest runs):
// - as a child process, synchronously (`sla`) or not (`slaAsync`, `spawnSla` with the child
//   at hand for signals and standard input) — a test that serves HTTP or SMTP in this process
//   must not block it, so it spawns asynchronously;
// - in this process (`slaInProcess`, main of dist/cli.js), for what a child in a pipe cannot
//   show: a terminal's colours and width.
// Every child gets its environment from childEnv: a developer's shell must not change what a
// test sees (the README's demo exports SLA_CONFIG and SLA_AT; a terminal may set NO_COLOR or
// FORCE_COLOR). test/support/setup-env.ts applies the same rule to the test processes themselves.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiled } from './compiled.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'sla');

/** Variables of the caller's environment that no test inherits. */
export const LEAKING = /^(SLA_.*|NO_COLOR|FORCE_COLOR)$/;
/**
 * Switches of the test suite itself (not of the CLI), kept in the test processes: CI's demands
 * that a tool be there (never a skipped check), the test PostgreSQL server (.ci/postgres).
 */
export const TEST_SWITCHES: ReadonlySet<string> = new Set([
  'SLA_UPDATE_SCHEMA', 'SLA_REQUIRE_PROMTOOL', 'SLA_REQUIRE_CHROMIUM', 'SLA_REQUIRE_POSTGRES', 'SLA_TEST_POSTGRES_URL', 'SLA_TEST_POSTGRES_CA', 'SLA_TEST_ENGINE',
]);

/**
 * `base` without any SLA_* variable or colour setting, then `set` on top (a value of
 * undefined removes that variable).
 */
export function hermeticEnv(base: NodeJS.ProcessEnv, set: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!LEAKING.test(k)) env[k] = v;
  for (const [k, v] of Object.entries(set)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** The environment of a CLI child process: hermetic, no colours, actor "tester", the import's prepare contract checked (engine.ts), then `set`. */
export function childEnv(set: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return hermeticEnv(process.env, { NO_COLOR: '1', SLA_ACTOR: 'tester', SLA_CHECK_PREPARE: '1', ...set });
}

/** How a run ended: its exit code (-1 when a signal ended it), the signal, and what it wrote. */
export interface Result { code: number; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export interface RunOptions {
  cwd: string;
  /** Variables on top of childEnv's. */
  env?: NodeJS.ProcessEnv;
  /** Exactly `env` and nothing else (what cron gives a job), instead of childEnv. */
  clean?: boolean;
  /** Standard input (synchronous runs). */
  input?: string;
  /** Run as this user (through runuser; the tests run as root there). */
  user?: string;
}

function command(args: string[], opts: RunOptions): { file: string; argv: string[]; env: NodeJS.ProcessEnv } {
  const env = opts.clean ? { ...opts.env } : childEnv(opts.env);
  const argv = [BIN, ...args];
  return opts.user === undefined
    ? { file: process.execPath, argv, env }
    : { file: 'runuser', argv: ['-u', opts.user, '--', process.execPath, ...argv], env };
}

/** A synchronous run: args after `sla`. */
export function sla(args: string[], opts: RunOptions): Result {
  const c = command(args, opts);
  // maxBuffer: a listing of thousands of tickets is more than the default 1 MiB of output
  const r = spawnSync(c.file, c.argv, { cwd: opts.cwd, env: c.env, input: opts.input, encoding: 'utf8', timeout: 60_000, maxBuffer: 256 << 20 });
  return { code: r.status ?? -1, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** A run in the background: the child (for signals and standard input) and how it ended. */
export function spawnSla(args: string[], opts: RunOptions): { child: ChildProcess; done: Promise<Result> } {
  const c = command(args, opts);
  const child = spawn(c.file, c.argv, { cwd: opts.cwd, env: c.env });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Result>((r) => child.on('close', (code, signal) => r({ code: code ?? -1, signal, stdout, stderr })));
  return { child, done };
}

/** An asynchronous run (this process goes on serving while it runs). */
export function slaAsync(args: string[], opts: RunOptions): Promise<Result> {
  return spawnSla(args, opts).done;
}

export interface InProcessOptions {
  cwd?: string;
  /** The whole environment main sees: actor "tester", then these (no colour setting unless given). */
  env?: NodeJS.ProcessEnv;
  /** Standard output on a terminal of that many columns (true: of unknown width); else a pipe. */
  terminal?: number | boolean;
  /** Standard error on a terminal too. */
  stderrTerminal?: boolean;
}

/** A run of main (dist/cli.js) in this process, its output captured. */
export async function slaInProcess(args: string[], opts: InProcessOptions = {}): Promise<Omit<Result, 'signal'>> {
  const { main } = await compiled<typeof import('../../src/cli.js')>('cli.js');
  let stdout = '';
  let stderr = '';
  const tty = opts.terminal !== undefined && opts.terminal !== false;
  const out = { write: (s: string) => { stdout += s; return true; }, isTTY: tty, columns: typeof opts.terminal === 'number' ? opts.terminal : undefined };
  const err = { write: (s: string) => { stderr += s; return true; }, isTTY: Boolean(opts.stderrTerminal) };
  const code = await main(['node', 'sla', ...args], {
    cwd: opts.cwd, env: { SLA_ACTOR: 'tester', ...opts.env },
    stdout: out as unknown as NodeJS.WritableStream & { isTTY: boolean }, stderr: err as unknown as NodeJS.WritableStream & { isTTY: boolean },
  });
  return { code, stdout, stderr };
}
