// The store's face: what the use cases, the commands and the renderers may know of a
// database. Every operation is coarse — one transaction, or one read — and the callbacks
// that decide what a write is are pure (they see what is stored and return what to write;
// no I/O, no network), so an engine can hold its write lock only while it runs them.
// Operations answer with Promises: the SQLite engine answers at once, an engine that talks
// to a server can implement the same face.
//
// Nothing outside src/store/<engine>/ sees an engine's types (a `Database`, SQL, rows);
// openStore below picks the engine.
//
// The operations and their types are in contract.ts (what every engine implements); this
// file hands them on, and picks the engine that serves a database location.

import { isServerUrl, type Holder, type OpenOptions, type Store } from './contract.js';

export * from './contract.js';
export { COPIED_TABLES } from './copy-tables.js';

/**
 * Opens (and migrates) the database at `location`: a postgres:// URL is a shared PostgreSQL
 * database (team mode; its schema is made on first use, whatever `create` says), anything
 * else a SQLite file's path.
 */
export async function openStore(location: string, opts: OpenOptions = {}): Promise<Store> {
  if (isServerUrl(location)) {
    const { PgStore } = await import('./postgres/engine.js');
    return PgStore.open(location);
  }
  const { SqliteStore } = await import('./sqlite/engine.js');
  return SqliteStore.open(location, opts);
}

/**
 * How the engine's failures read: whether an error means the database itself is failing
 * (damaged, full, I/O: nothing more should be written to it), and whether it is a fault of
 * the database or the disk that the user can act on (see cli.ts, which says what to do).
 */
export { isDatabaseDamage, isFault as isStoreFault } from './sqlite/faults.js';

/**
 * A failure of the database or the disk at `location`, said for the user — what is wrong and
 * what to do, naming the process that holds the write lock when that is why — or null when
 * `err` is none of those. `readNote` reads a holder note, `alive` says whether a pid runs.
 */
export async function describeStoreFault(
  err: unknown, location: string | null, osUser: string, readNote: (path: string) => Holder | null, alive: (pid: number) => boolean,
): Promise<{ message: string; hint: string } | null> {
  // a server's failures are said by its engine (StoreError) before they get here
  if (location !== null && isServerUrl(location)) return null;
  const { BUSY_TIMEOUT_MS, describeFault, describeHolder, holderFile } = await import('./sqlite/faults.js');
  const holder = location && location !== ':memory:' ? describeHolder(readNote(holderFile(location)), alive) : null;
  return describeFault(err, location, osUser, BUSY_TIMEOUT_MS / 1000, holder);
}

/**
 * Says, next to the database, that this process holds its write lock for long (`what`), so a
 * command that waits too long for it can say who holds it: the note's path, or null when the
 * engine keeps no such note.
 */
export async function holderNote(location: string): Promise<string | null> {
  // a server says itself who holds a lock (pg_stat_activity): no note in a folder
  if (location === ':memory:' || isServerUrl(location)) return null;
  const { holderFile } = await import('./sqlite/faults.js');
  return holderFile(location);
}
