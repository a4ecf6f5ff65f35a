// The compiled modules (dist/, built by `tsc` before the tests), typed as their sources: for the
// tests whose code must be the code a worker thread runs (the import writer, the report's
// parallel slices), which start from dist/, and for the CLI's main run in this process
// (./cli.ts, slaInProcess: its commands load lazily by file name).

import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');

/** The file URL of `dist/<path>`: for code that imports it elsewhere (a worker, a child process). */
export function compiledUrl(path: string): string {
  return pathToFileURL(join(DIST, path)).href;
}

/** `dist/<path>`, typed as M: `compiled<typeof import('../../src/x.js')>('x.js')`. */
export function compiled<M>(path: string): Promise<M> {
  return import(compiledUrl(path)) as Promise<M>;
}
