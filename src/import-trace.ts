// Where a big import's time goes, for `npm run bench` (bench/import.mjs): with
// SLA_IMPORT_TRACE=FILE set, the import appends one line per phase to FILE
// ("<phase> <ms>"); unset (always, outside the bench), nothing is measured or written.

import { appendFileSync, readFileSync } from 'node:fs';

const FILE = process.env.SLA_IMPORT_TRACE;

/** Whether phases are being traced. */
export const tracing = FILE !== undefined && FILE !== '';

export function trace(phase: string, ms: number): void {
  if (tracing) appendFileSync(FILE!, `${phase} ${Math.round(ms)}\n`);
}

/**
 * CPU time (user + system, ms) of the calling thread so far, where Linux tells it
 * (/proc/thread-self/stat, in clock ticks of 10 ms); NaN elsewhere. Less noisy than wall
 * time for comparing builds on a busy machine.
 */
export function threadCpuMs(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}
