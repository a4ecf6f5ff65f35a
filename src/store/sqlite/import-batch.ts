// Where an import's writes run — the store's decision, not the import's: on a worker thread
// (import-writer.ts) for a big input, where reading and writing then overlap on two cores;
// else on the import's own thread (Store.beginImport).

import { beginThreadedImport } from './import-writer.js';
import type { ImportBatch, ImportIndexes, Store } from './store.js';

/** From this many bytes of input on, threads pay (below, starting one costs more than it saves). */
const THREAD_MIN_BYTES = 4 * 1024 * 1024;

/**
 * Whether an input of `expectedBytes` (null: not known, e.g. standard input) is worth a
 * second thread: for big files; always with SLA_IMPORT_THREAD=1, never with =0. The import
 * asks it too, for its reading thread.
 */
export function threadsPay(expectedBytes: number | null): boolean {
  const forced = process.env.SLA_IMPORT_THREAD;
  if (forced === '0' || forced === '1') return forced === '1';
  return expectedBytes !== null && expectedBytes >= THREAD_MIN_BYTES;
}

/** An import's batch of writes, on a worker thread when that pays and can be done here. */
export function beginImport(store: Store, indexes: ImportIndexes, hint: { expectedBytes: number | null }): ImportBatch {
  return (threadsPay(hint.expectedBytes) && beginThreadedImport(store, indexes)) || store.beginImport(indexes);
}
