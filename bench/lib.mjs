// Shared helpers for the benches: seeded PRNG, timing a child process with its peak RSS.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = join(ROOT, 'bin', 'sla');
export const DATA = join(ROOT, 'bench', 'data');

export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Run a command; resolve with wall ms, peak RSS (MB, from /proc VmHWM sampling) and output. */
export function timed(cmd, args, opts = {}) {
  return new Promise((done, fail) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let stdout = '';
    let stderr = '';
    let peakKb = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch { /* exited */ }
    };
    const iv = setInterval(sample, 20);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('exit', () => sample());
    child.on('close', (code) => {
      clearInterval(iv);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      done({ ms, code, stdout, stderr, peakMb: peakKb / 1024 });
    });
  });
}

export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

/** One result line for bench/run.mjs. */
export function report(r) {
  process.stdout.write(JSON.stringify(r) + '\n');
}

/** Removes a database file and its journal, WAL and shared-memory files. */
export function freshDb(file) {
  for (const x of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(x, { force: true });
}

/** sqlite3's own `.import` of a CSV into a new database: the yardstick of the import benches. */
export async function sqliteImport(csv, db) {
  freshDb(db);
  const r = await timed('sqlite3', [db, '-cmd', '.mode csv', `.import ${csv} t`]);
  if (r.code !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
  return r;
}
