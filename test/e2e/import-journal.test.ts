// A first import (empty tickets table, no other connection open) on the writer thread
// writes through a rollback journal instead of the WAL (store.ts, beginBulkJournal):
// the file is back in WAL mode afterwards, a killed one is rolled back by the next
// opener, and with another connection open — or tickets stored — the WAL is used.

import Database from 'better-sqlite3';
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { BIN, childEnv, sla } from '../support/cli.js';
import { baseConfig, tempDir, writeJson } from '../support/project.js';

const HEADER = 'id,subject,customer,priority,status,created_at,first_response_at,resolved_at,updated_at';
const rows = (from: number, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `t${from + i},subject ${from + i},acme,urgent,open,2025-11-03T09:00:00Z,,,2025-11-03T09:00:00Z`);

let dir: string;
let traceFile: string;
const env = (): NodeJS.ProcessEnv => ({ SLA_IMPORT_THREAD: '1', SLA_IMPORT_TRACE: traceFile });
const traced = (): string => (existsSync(traceFile) ? readFileSync(traceFile, 'utf8') : '');
const db = (): string => join(dir, 'sla.db');
const journalMode = (): string => {
  const d = new Database(db(), { readonly: true });
  try {
    return d.pragma('journal_mode', { simple: true }) as string;
  } finally {
    d.close();
  }
};
const count = (): number => {
  const d = new Database(db(), { readonly: true });
  try {
    return d.prepare('SELECT count(*) FROM tickets').pluck().get() as number;
  } finally {
    d.close();
  }
};

beforeEach(() => {
  dir = tempDir('sla-import-journal-');
  traceFile = join(dir, 'trace.txt');
  writeJson(join(dir, 'sla.config.json'), baseConfig());
});

describe('a first import through a rollback journal', () => {
  it('is used into an empty database, and the file is in WAL mode again afterwards', () => {
    writeFileSync(join(dir, 'a.csv'), [HEADER, ...rows(1, 500)].join('\n') + '\n');
    const r = sla(['import', 'a.csv', '--json'], { cwd: dir, env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ticketsNew: 500, committed: true });
    expect(traced()).toMatch(/^journal: rollback \(a first import\) \d+$/m);
    expect(existsSync(`${db()}-journal`)).toBe(false);
    expect(journalMode()).toBe('wal');
    expect(count()).toBe(500);

    // Tickets stored: the next import uses the WAL.
    writeFileSync(traceFile, '');
    writeFileSync(join(dir, 'b.csv'), [HEADER, ...rows(400, 200)].join('\n') + '\n');
    const again = sla(['import', 'b.csv', '--json'], { cwd: dir, env: env() });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ ticketsNew: 99, ticketsUnchanged: 101 });
    expect(traced()).toMatch(/^journal: write-ahead log \d+$/m);
    expect(count()).toBe(599);
  });

  it('is not used while another connection has the file open: that one reads on during the import', () => {
    // The database, with no tickets yet (a file of no rows).
    writeFileSync(join(dir, 'none.csv'), HEADER + '\n');
    expect(sla(['import', 'none.csv'], { cwd: dir }).code).toBe(0);
    const other = new Database(db(), { timeout: 0 });
    try {
      other.prepare('SELECT count(*) FROM tickets').pluck().get();
      writeFileSync(join(dir, 'a.csv'), [HEADER, ...rows(1, 300)].join('\n') + '\n');
      const r = sla(['import', 'a.csv', '--json'], { cwd: dir, env: env() });
      expect(r.code, r.stderr).toBe(0);
      expect(traced()).toMatch(/^journal: write-ahead log \d+$/m);
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(other.prepare('SELECT count(*) FROM tickets').pluck().get()).toBe(300);
    } finally {
      other.close();
    }
  });

  it('killed mid-file, it leaves a journal that the next command rolls back: the database as before', async () => {
    // A named pipe the import reads from: it is surely mid-file when killed.
    const fifo = join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    const child = spawn(process.execPath, [BIN, 'import', fifo], { cwd: dir, env: childEnv(env()) });
    const closed = new Promise((r) => child.on('close', r));
    const writer = createWriteStream(fifo);
    writer.write([HEADER, ...rows(1, 20_000)].join('\n') + '\n');
    // Wait until rows have reached the database file (the journal exists once pages are written).
    const deadline = Date.now() + 20_000;
    while (!(traced().includes('journal: rollback') && existsSync(`${db()}-journal`)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 1000));
    // It holds the write lock: another writer is told "busy".
    const other = new Database(db(), { timeout: 0 });
    expect(() => other.exec('BEGIN IMMEDIATE')).toThrow(/busy|locked/i);
    other.close();
    child.kill('SIGKILL');
    await closed;
    writer.destroy();
    expect(existsSync(`${db()}-journal`)).toBe(true);

    // The next command (any opener) rolls the journal back and sets WAL again.
    const list = sla(['list', '--format', 'json'], { cwd: dir });
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
    expect(count()).toBe(0);
    expect(journalMode()).toBe('wal');
    // And a new import of the file works.
    writeFileSync(join(dir, 'a.csv'), [HEADER, ...rows(1, 50)].join('\n') + '\n');
    expect(sla(['import', 'a.csv'], { cwd: dir }).code).toBe(0);
    expect(count()).toBe(50);
  }, 60_000);
});
