// Where a big import's time goes, for `npm run bench` (bench/import.mjs): with
// SLA_IMPORT_TRACE=FILE set, the import appends one line per phase to FILE
// ("<phase> <ms>"); unset (always, outside the bench), nothing is measured or written.

import { appendFileSync } from 'node:fs';

const FILE = process.env.SLA_IMPORT_TRACE;

/** Whether phases are being traced. */
export const tracing = FILE !== undefined && FILE !== '';

export function trace(phase: string, ms: number): void {
  if (tracing) appendFileSync(FILE!, `${phase} ${Math.round(ms)}\n`);
}
