// A slice of `sla report`'s window, read on a worker thread (see report.ts runJobs): its
// aggregate query on a read-only connection of its own. An entry file: it runs the job as
// soon as it is loaded in a worker.

import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { MMAP_BYTES, type RawRow, type SliceJob } from './report.js';
import { BUSY_TIMEOUT_MS } from './faults.js';

function runSliceJob(job: SliceJob): void {
  try {
    const db = new Database(job.path, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    try {
      db.pragma(`mmap_size = ${MMAP_BYTES}`);
      const rows = db.prepare(job.sql).raw().all(job.params) as RawRow[];
      parentPort!.postMessage({ rows });
    } finally {
      db.close();
    }
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error).message });
  }
}

runSliceJob(workerData as SliceJob);
