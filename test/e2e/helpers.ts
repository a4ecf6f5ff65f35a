// Run the real CLI (bin/sla → dist/) as a child process in a temp directory.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliEnv } from '../env.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'sla');

export interface Result { code: number; stdout: string; stderr: string }

export function tempDir(prefix = 'sla-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return cliEnv(extra);
}

/** Synchronous run: args after `sla`. */
export function sla(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }): Result {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd, env: childEnv(opts.env), input: opts.input, encoding: 'utf8', timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Asynchronous run, for concurrency tests. */
export function slaAsync(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Result> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: childEnv(opts.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
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
