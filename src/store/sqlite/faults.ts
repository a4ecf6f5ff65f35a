// What a failure of the database or the disk means for the user: one line that says what is
// wrong and what to do — a full disk, a read-only file, a lock held too long and a damaged
// file are the user's situation, not a bug in sla. Pure: the error, the path and the user in.

import { dirname } from 'node:path';
import type { Holder } from '../contract.js';

/**
 * How long a connection waits for another's write transaction (an import holds one for
 * its whole file) before "database is locked": long enough for a big import or recalc.
 */
export const BUSY_TIMEOUT_MS = Number(process.env.SLA_BUSY_TIMEOUT_MS) || 30_000;

/** An error of SQLite (better-sqlite3's SqliteError) or of the file system, as thrown. */
interface CodedError { code?: unknown; message?: unknown }

/** The fault as `{ message, hint }` (exit 1), or null when the error is none of these. */
export function describeFault(
  err: unknown, dbPath: string | null, user: string, busySeconds: number, holder: string | null = null,
): { message: string; hint: string } | null {
  const e = err as CodedError | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const what = typeof e?.message === 'string' ? e.message : '';
  const db = dbPath ?? 'the database';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || /disk is full/i.test(what)) {
    return { message: `the disk holding ${dbPath ?? 'the file'} is full`, hint: 'free some space (or move the database with --db) and run again; this command\'s changes were rolled back' };
  }
  if (code === 'SQLITE_READONLY_DIRECTORY' && dbPath !== null) {
    // WAL mode: SQLite keeps <db>-wal and <db>-shm next to the file, and makes them even to read
    return {
      message: `the folder of ${dbPath} cannot be written by user ${user}, and SQLite keeps its -wal and -shm files there, even to read`,
      hint: `make ${dirname(dbPath)} writable by every user that runs sla (e.g. a group for the service user and the agents: chgrp, then chmod g+w), then run again`,
    };
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return {
      message: `${db} cannot be written by user ${user} (${what})`,
      hint: `make the file and its folder writable by the user sla runs as (the service user: e.g. chown ${user} on both), then run again`,
    };
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return {
      message: `${db} stayed locked by another sla for more than ${busySeconds < 1 ? busySeconds.toFixed(1) : Math.round(busySeconds)} s${holder ? `: ${holder}` : ''}`,
      hint: holder ? 'run again when it has finished' : 'another command is writing a lot (an import or a recalc): run again when it has finished',
    };
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return {
      message: `${db} is damaged (${what})`,
      hint: `stop running sla on it; restore it from a backup, or recover what is readable: sqlite3 ${db} ".recover" | sqlite3 recovered.db`,
    };
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') {
    return { message: `an I/O error on ${db} (${code})`, hint: 'check the disk (and its free space), then run again' };
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return { message: `${what}`, hint: `make that file or folder writable by user ${user} (the user sla runs as)` };
  }
  return null;
}

/** The file that says who holds the database's write lock for long (an import, a recalc): `<db>-holder`. */
export const holderFile = (dbPath: string): string => `${dbPath}-holder`;

/** "an import of big.csv (pid 4242, since 10:02 UTC)", from a holder note still true (its process alive), else null. */
export function describeHolder(h: Holder | null, alive: (pid: number) => boolean): string | null {
  if (h === null || typeof h.what !== 'string' || !Number.isInteger(h.pid) || !alive(h.pid)) return null;
  const since = Number.isFinite(h.since) ? new Date(h.since).toISOString().slice(11, 16) : '?';
  return `${h.what} (pid ${h.pid}, since ${since} UTC)`;
}

/** Whether the database file itself is failing (damaged, full, I/O errors): nothing more should be written to it. */
export function isDatabaseDamage(err: unknown): boolean {
  const code = (err as CodedError | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL');
}

/** Whether describeFault has something to say about `err` (the database or the disk failing). */
export const isFault = (err: unknown): boolean => describeFault(err, null, '', 0) !== null;
