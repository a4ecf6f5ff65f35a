// The tables a copy of a database moves (sla db copy), the same on both engines: each with
// the key it is read in order of, and the identity column an engine numbers by itself (which
// the copy keeps, so that alerts still name their SLA events, and the engine then numbers on
// from the highest copied). Parents before children (foreign keys).

import { StoreError } from './contract.js';

export interface CopiedTable { table: string; key: readonly string[]; identity?: string }

export const COPIED_TABLES: readonly CopiedTable[] = [
  { table: 'meta', key: ['key'] },
  { table: 'tickets', key: ['id'] },
  { table: 'ticket_pause_ends', key: ['ticket_id', 'until'] },
  { table: 'audit', key: ['seq'], identity: 'seq' },
  { table: 'runs', key: ['id'], identity: 'id' },
  { table: 'sla_events', key: ['seq'], identity: 'seq' },
  { table: 'alerts', key: ['id'] },
  { table: 'open_incidents', key: ['destination', 'incident_key'] },
  { table: 'disabled_destinations', key: ['name'] },
  { table: 'pull_cursors', key: ['source'] },
  { table: 'pulls', key: ['id'], identity: 'id' },
];

/** Rows a page holds. */
export const COPY_PAGE = 1000;

/**
 * A copy's row that the new database's constraints refuse (a foreign key with nothing to
 * point at, a duplicate key: a source edited by hand) — the source's problem, not a bug.
 */
export function refusedRow(table: string, detail: string): StoreError {
  return new StoreError(`a row of the source's ${table} table cannot be written into the new database (${detail}); nothing was copied`,
    'check the source database (edited by hand?), e.g. sqlite3 FILE "PRAGMA foreign_key_check", then copy again', 1);
}
