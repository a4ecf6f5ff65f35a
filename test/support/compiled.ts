// The compiled modules (dist/, built by `tsc` before the tests), typed as their sources: for the
// tests whose code must be the code a worker thread runs (the import writer, the report's
// parallel slices), which start from dist/.

import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');

/** `dist/<path>`, typed as M: `compiled<typeof import('../../src/x.js')>('x.js')`. */
export function compiled<M>(path: string): Promise<M> {
  return import(pathToFileURL(join(DIST, path)).href) as Promise<M>;
}
