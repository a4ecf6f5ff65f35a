// Worker threads of sla: whether one can be started here (workerFileExists), and how a big
// import's helpers yield. The helpers (the writer, store/import-writer.ts; the reading thread,
// import/read-worker.ts) run at a lower priority than the thread that merges and computes:
// that thread is the one the import waits for, and on two cores three busy threads take
// turns — each turn a helper takes from it lengthens the import. A helper with nothing to
// do waits anyway, and one the import waits on runs whenever the merging thread waits.

import { existsSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';

/** From this many bytes of input on, helper threads pay (below, starting one costs more than it saves). */
const THREAD_MIN_BYTES = 4 * 1024 * 1024;

/**
 * Whether an input of `expectedBytes` (null: not known, e.g. standard input) is worth a
 * helper thread: for big files; always with SLA_IMPORT_THREAD=1, never with =0. Asked by the
 * import for its reading thread, and by the store engine for its writer.
 */
export function threadsPay(expectedBytes: number | null): boolean {
  const forced = process.env.SLA_IMPORT_THREAD;
  if (forced === '0' || forced === '1') return forced === '1';
  return expectedBytes !== null && expectedBytes >= THREAD_MIN_BYTES;
}

/**
 * Whether a worker's compiled entry file is there to start: not when sla runs from its
 * TypeScript sources (the tests), where the work is then done on the calling thread.
 */
export function workerFileExists(url: URL): boolean {
  try {
    return existsSync(fileURLToPath(url));
  } catch {
    return false;
  }
}

/** How much lower (a nice value, added) a helper thread runs. */
const LOWER_BY = 10;

/**
 * Lowers the calling thread's priority. Linux only, where a thread is a task of its own
 * (/proc/thread-self names its id); elsewhere, or where the system says no, the thread
 * keeps its priority — nothing else changes.
 */
export function runAsHelperThread(): void {
  if (process.platform !== 'linux') return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return;
    setPriority(tid, Math.min(19, getPriority(tid) + LOWER_BY));
  } catch {
    // no /proc, or not allowed: as before
  }
}
