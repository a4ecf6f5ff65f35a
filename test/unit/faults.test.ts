// Database and disk faults are the user's situation: each is one line saying what and what to do.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { describeFault, describeHolder } from '../../src/store/sqlite/faults.js';

const sqlite = (code: string, message: string): Error => new Database.SqliteError(message, code);
const fs = (code: string, message: string): Error => Object.assign(new Error(message), { code });
const say = (err: unknown) => describeFault(err, '/var/lib/sla/sla.db', 'sla', 30);

describe('describeFault', () => {
  it('names the situation, the path and what to do; never "a bug"', () => {
    expect(say(sqlite('SQLITE_FULL', 'database or disk is full'))).toEqual({
      message: 'the disk holding /var/lib/sla/sla.db is full',
      hint: 'free some space (or move the database with --db) and run again; this command\'s changes were rolled back',
    });
    expect(say(fs('ENOSPC', 'ENOSPC: no space left on device, write'))?.message).toBe('the disk holding /var/lib/sla/sla.db is full');
    expect(say(sqlite('SQLITE_READONLY', 'attempt to write a readonly database'))).toEqual({
      message: '/var/lib/sla/sla.db cannot be written by user sla (attempt to write a readonly database)',
      hint: 'make the file and its folder writable by the user sla runs as (the service user: e.g. chown sla on both), then run again',
    });
    expect(say(sqlite('SQLITE_READONLY_DIRECTORY', 'attempt to write a readonly database'))).toEqual({
      message: 'the folder of /var/lib/sla/sla.db cannot be written by user sla, and SQLite keeps its -wal and -shm files there, even to read',
      hint: 'make /var/lib/sla writable by every user that runs sla (e.g. a group for the service user and the agents: chgrp, then chmod g+w), then run again',
    });
    expect(say(sqlite('SQLITE_BUSY', 'database is locked'))?.message).toBe('/var/lib/sla/sla.db stayed locked by another sla for more than 30 s');
    expect(say(sqlite('SQLITE_CORRUPT', 'database disk image is malformed'))?.hint).toMatch(/sqlite3 \/var\/lib\/sla\/sla\.db "\.recover"/);
    expect(say(sqlite('SQLITE_IOERR_WRITE', 'disk I/O error'))?.message).toBe('an I/O error on /var/lib/sla/sla.db (SQLITE_IOERR_WRITE)');
    expect(say(fs('EACCES', 'EACCES: permission denied, open \'/srv/rejects.csv\''))?.hint).toMatch(/writable by user sla/);
  });

  it('leaves everything else alone (a real bug stays one)', () => {
    expect(say(new TypeError('x is not a function'))).toBeNull();
    expect(say(sqlite('SQLITE_ERROR', 'no such table: tickets'))).toBeNull();
    expect(say(null)).toBeNull();
  });
});

describe('describeHolder', () => {
  const note = { what: 'an import of big.csv', pid: 4242, since: Date.parse('2026-11-20T10:02:30Z') };
  it('says who holds the lock while its process lives; nothing for a dead one or a broken note', () => {
    expect(describeHolder(note, () => true)).toBe('an import of big.csv (pid 4242, since 10:02 UTC)');
    expect(describeHolder(note, () => false)).toBeNull();
    expect(describeHolder(null, () => true)).toBeNull();
    expect(describeHolder({ ...note, pid: 1.5 }, () => true)).toBeNull();
    expect(say(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }))?.hint).toMatch(/an import or a recalc/);
    expect(describeFault(new Database.SqliteError('database is locked', 'SQLITE_BUSY'), '/d.db', 'sla', 30, 'a recalc (pid 7, since 09:00 UTC)'))
      .toEqual({ message: '/d.db stayed locked by another sla for more than 30 s: a recalc (pid 7, since 09:00 UTC)', hint: 'run again when it has finished' });
  });
});
