// Going through a reader's records: one by one, or a chunk's worth at a time when the
// reader can (import/read.ts's iterator can: no promise per record in a big import).

import type { ImportRecord } from './types.js';

/** Records, one by one (for await) or — when the iterator has nextBatch — a chunk's worth at a time. */
export interface RecordSource<T> extends AsyncIterable<ImportRecord<T>> {
  [Symbol.asyncIterator](): AsyncIterator<ImportRecord<T>> & { nextBatch?(): Promise<Array<ImportRecord<T>> | null> };
}

/** What is awaited around each chunk of records (a record, for a source read one by one). */
export interface ChunkHooks<T> {
  /** Before the chunk's records go to `fn`. */
  before?(chunk: ReadonlyArray<ImportRecord<T>>): Promise<void>;
  /** After they have. */
  after?(): Promise<void>;
}

/**
 * Call `fn` for every record of `source`, in order: a chunk's records in one synchronous
 * loop when the source reads in chunks (no promise per record), else one by one; `hooks`
 * are awaited around each chunk.
 */
export async function forEachRecord<T>(
  source: AsyncIterable<ImportRecord<T>>, fn: (rec: ImportRecord<T>) => void, hooks: ChunkHooks<T> = {},
): Promise<void> {
  const it = (source as RecordSource<T>)[Symbol.asyncIterator]();
  let ended = false;
  const { before, after } = hooks;
  try {
    if (typeof it.nextBatch === 'function') {
      for (;;) {
        const batch = await it.nextBatch();
        if (batch === null) break;
        if (before) await before(batch);
        for (let i = 0; i < batch.length; i++) fn(batch[i]);
        if (after) await after();
      }
    } else {
      for (;;) {
        const r = await it.next();
        if (r.done) break;
        if (before) await before([r.value]);
        fn(r.value);
        if (after) await after();
      }
    }
    ended = true;
  } finally {
    // Stopped early (fn threw): let the source close its file, as for-await would.
    if (!ended) await it.return?.();
  }
}
