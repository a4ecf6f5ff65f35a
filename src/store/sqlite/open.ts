// Opening a SQLite database: the file's checks before SQLite touches it, the migrations,
// each connection's settings, and the journal and transaction an import writes under.

import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { trace } from '../../import-trace.js';
import { StoreError, type ImportIndexes } from '../contract.js';
import { BUSY_TIMEOUT_MS } from './faults.js';
import { lastVersion, migrationsDir, newerSchema, readMigrations as readShared, type Migration } from '../migrations.js';

// How long a connection waits for another's write transaction: see faults.ts (its message says it).
export { BUSY_TIMEOUT_MS } from './faults.js';

export const MIGRATIONS_DIR = migrationsDir('sqlite');


export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readShared(dir);
}

/**
 * A connection's settings beside the file's own (page size, WAL, migrations): every
 * writer's, the Store's and the import writer thread's. The busy timeout is the
 * constructor's `timeout: BUSY_TIMEOUT_MS`.
 */
export function configureConnection(db: Database.Database): void {
  // NORMAL is safe with the WAL; a rollback journal (a first import: beginBulkJournal)
  // needs FULL to survive a power cut at the wrong moment.
  db.pragma(db.pragma('journal_mode', { simple: true }) === 'wal' ? 'synchronous = NORMAL' : 'synchronous = FULL');
  db.pragma('foreign_keys = ON');
}

/**
 * A first import — into an empty tickets table, with no other connection open — writes
 * through a rollback journal instead of the write-ahead log. SQLite journals only pages
 * that existed when the transaction began, so the new rows are written once, straight
 * into the database file, where the WAL would write them twice (to the log, then, at
 * commit, copied into the database and synced again).
 * Still one transaction: a killed import leaves a journal that the next opener rolls
 * back. The price: until it commits, other processes cannot read the (still empty)
 * database and wait up to the busy timeout. When the switch is not possible at once
 * (another connection is open, or there are tickets), nothing changes: the WAL as usual.
 * Call endBulkJournal when the import is over.
 */
export function beginBulkJournal(db: Database.Database): boolean {
  if (db.inTransaction || !noTickets(db)) return false;
  return switchJournal(db, 'delete');
}

/** The tickets table is empty. */
function noTickets(db: Database.Database): boolean {
  return db.prepare('SELECT 1 FROM tickets LIMIT 1').get() === undefined;
}

/**
 * Back to the write-ahead log after beginBulkJournal. If another connection has opened
 * the file meanwhile, that is left to the next Store.open (every opener sets WAL).
 */
export function endBulkJournal(db: Database.Database): void {
  switchJournal(db, 'wal');
}

/** Set the journal mode if that can be done now (no waiting on other connections). */
function switchJournal(db: Database.Database, mode: 'delete' | 'wal'): boolean {
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    return db.pragma(`journal_mode = ${mode}`, { simple: true }) === mode;
  } catch {
    return false;
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}

/**
 * The start of an import's write transaction, on `db` (the Store's connection or the
 * import writer thread's): BEGIN IMMEDIATE, a larger page cache, and — into an empty
 * tickets table — its indexes dropped, to be built once by endImportTransaction. Loading rows and
 * then building each index once costs much less than updating every index per
 * row. Same transaction: all or nothing, and other connections keep seeing the indexes
 * of the last commit.
 */
export function beginImportTransaction(db: Database.Database, indexes: ImportIndexes = 'rebuild'): ImportTransaction {
  const cacheSize = db.pragma('cache_size', { simple: true }) as number;
  // A big file touches many index pages: a larger page cache (32 MiB) for this connection.
  db.pragma('cache_size = -32768');
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    db.pragma(`cache_size = ${cacheSize}`);
    throw err;
  }
  const empty = noTickets(db);
  // tickets_computed stays: every row an import writes has the same computed_at (the
  // import's now), so each insert lands on that index's last page (on the writer thread,
  // while the rows are read) instead of a sort of the whole table after the last row (in
  // the import's tail): about even when measured, kept live.
  const rebuild = empty && indexes === 'rebuild'
    ? db.prepare<[], { name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name = 'tickets' AND name <> 'tickets_computed'",
    ).all()
    : [];
  for (const ix of rebuild) db.exec(`DROP INDEX "${ix.name}"`);
  // Without those indexes the rows go onto the table's last pages: half the cache does,
  // and the memory is the import's to use (a big event log grouped by ticket must stay
  // under its memory bound).
  if (rebuild.length > 0) db.pragma('cache_size = -16384');
  return { empty, rebuild, cacheSize };
}

export interface ImportTransaction {
  empty: boolean;
  rebuild: Array<{ name: string; sql: string }>;
  cacheSize: number;
}

/** Commit (building the dropped indexes) or roll back what beginImportTransaction began. */
export function endImportTransaction(db: Database.Database, tx: ImportTransaction, commit: boolean): void {
  try {
    if (commit) {
      if (tx.rebuild.length) {
        // Building an index sorts the table's keys: in small runs (4 MiB of memory each,
        // spilled to temporary files) sorted by helper threads as well, then merged —
        // about twice as fast on two cores as one big in-memory sort, and less memory.
        db.pragma('cache_size = -4096');
        db.pragma(`threads = ${Math.min(4, Math.max(1, availableParallelism()))}`);
        for (const ix of tx.rebuild) {
          const t0 = performance.now();
          db.exec(ix.sql);
          trace(`index ${ix.name}`, performance.now() - t0);
        }
      }
      const t0 = performance.now();
      db.exec('COMMIT');
      trace('commit', performance.now() - t0);
    } else {
      db.exec('ROLLBACK');
    }
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  } finally {
    db.pragma('threads = 0');
    db.pragma(`cache_size = ${tx.cacheSize}`);
  }
}

export interface OpenOptions {
  /** Create the file if missing (only `sla init` and imports do). */
  create?: boolean;
  migrationsDir?: string;
}

/** Open (and migrate) the SQLite database at `path`: the file is refused untouched when a newer sla wrote it. */
export function openDatabase(path: string, opts: OpenOptions = {}): Database.Database {
  let db: Database.Database;
  const isNew = path !== ':memory:' && !existsSync(path);
  // A file written by a newer sla is refused before SQLite opens it (turning on WAL rewrites
  // its header and makes -wal/-shm files): untouched, byte for byte.
  const migrations = readMigrations(opts.migrationsDir);
  if (!isNew && path !== ':memory:') {
    const version = headerUserVersion(path);
    const known = lastVersion(migrations);
    if (version !== null && version > known) throw newerSchema(version, known);
  }
  try {
    db = new Database(path, { fileMustExist: !opts.create, timeout: BUSY_TIMEOUT_MS });
    // Customer data: a database sla creates is readable by owner and group only.
    if (isNew && opts.create) chmodSync(path, 0o640);
  } catch (err) {
    const e = err as Error & { code?: string };
    if (/does not exist/i.test(e.message) || e.code === 'SQLITE_CANTOPEN') {
      throw new StoreError(`database ${path} does not exist`, 'run `sla init` (or `sla import`) first, or pass --db PATH');
    }
    throw new StoreError(`cannot open database ${path}: ${e.message}`, 'check the path and its permissions');
  }
  try {
    // A new file gets 16 KiB pages: a big import writes a quarter of the WAL frames,
    // and builds its indexes faster, than with the default 4 KiB (must precede WAL).
    if (isNew && opts.create) db.pragma('page_size = 16384');
    db.pragma('journal_mode = WAL');
    configureConnection(db);
    migrate(db, migrations);
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    const e = err as Error;
    if (/file is not a database|malformed/i.test(e.message)) {
      throw new StoreError(`${path} is not an sla database (${e.message})`, 'pass the right file with --db');
    }
    throw err;
  }
  return db;
}


/**
 * The schema version (SQLite's user_version, bytes 60–63 of the file's header) read from
 * the file itself, without SQLite; null when the file is not an SQLite database (SQLite then
 * says so). A newer version only in an unmerged WAL is caught by migrate() instead, when
 * opening the file changes nothing: it is in WAL mode already.
 */
function headerUserVersion(path: string): number | null {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(100);
    if (readSync(fd, head, 0, 100, 0) < 100 || head.toString('latin1', 0, 16) !== 'SQLite format 3\u0000') return null;
    return head.readUInt32BE(60);
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

function migrate(db: Database.Database, migrations: Migration[]): void {
  const known = lastVersion(migrations);
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > known) throw newerSchema(current, known);
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      // Re-check inside the write lock: a concurrent process may have migrated already.
      const now = db.pragma('user_version', { simple: true }) as number;
      if (now >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
