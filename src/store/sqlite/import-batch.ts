// Where an import's writes run — the store's decision, not the import's: on a worker thread
// (import-writer.ts) for a big input, where reading and writing then overlap on two cores;
// else on the import's own thread (Store.beginImport).

import { threadsPay } from '../../helper-thread.js';
import type { ImportIndexes } from '../contract.js';
import { beginThreadedImport } from './import-writer.js';
import type { EngineImportBatch, Store } from './tickets.js';

/** An import's batch of writes, on a worker thread when that pays and can be done here. */
export function beginImport(store: Store, indexes: ImportIndexes, hint: { expectedBytes: number | null }): EngineImportBatch {
  return (threadsPay(hint.expectedBytes) && beginThreadedImport(store, indexes)) || store.beginImport(indexes);
}
