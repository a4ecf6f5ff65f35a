// Faults of the database file, through the real CLI on a real SQLite file: the user's
// situation in one line (what, and what to do), exit 1 — never "this is a bug in sla".
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, rmSync, openSync, readFileSync, statSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { BIN, childEnv, sla } from '../support/cli.js';
import { baseConfig, tempDir, writeJson } from '../support/project.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('sla-faults-');
  writeJson(join(dir, 'sla.config.json'), baseConfig());
  writeFileSync(join(dir, 't.csv'), 'id,priority,status,created_at\nA1,urgent,open,2025-11-03T09:00Z\nA2,high,open,2025-11-03T09:30Z\n');
  expect(sla(['--at', '2025-11-03T10:00Z', 'import', 't.csv'], { cwd: dir }).code).toBe(0);
});

describe('database faults', () => {
  it('a damaged file: says so and how to recover, exit 1', () => {
    const path = join(dir, 'sla.db');
    const size = statSync(path).size;
    const page = (readFileSync(path).readUInt16BE(16) || 65536);
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(size - page, 0xde), 0, size - page, page); // every page but the first
    closeSync(fd);
    for (const args of [['list'], ['show', 'A1']]) {
      const r = sla(['--at', '2025-11-03T10:00Z', ...args], { cwd: dir });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^sla: ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is damaged \\(.*\\) — stop running sla on it; .*\\.recover`));
      expect(r.stderr).not.toMatch(/bug/);
    }
  });

  it('check on a database whose ticket pages are damaged stops there and writes nothing more (not even its run\'s failure)', () => {
    const path = join(dir, 'sla.db');
    const probe = new Database(path);
    const pages = probe.prepare("SELECT pageno FROM dbstat WHERE name = 'tickets' AND pagetype = 'leaf'").pluck().all() as number[];
    const pageSize = probe.pragma('page_size', { simple: true }) as number;
    probe.close();
    expect(pages.length).toBeGreaterThan(0);
    const fd = openSync(path, 'r+');
    for (const p of pages) writeSync(fd, Buffer.alloc(pageSize, 0xde), 0, pageSize, (p - 1) * pageSize);
    closeSync(fd);
    const r = sla(['--at', '2025-11-03T12:00Z', 'check'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/sla\.db is damaged \(database disk image is malformed\) — stop running sla on it/);
    const db = new Database(path, { readonly: true });
    try {
      // the run was begun before the damage showed; it was not marked failed afterwards
      expect(db.prepare('SELECT status FROM runs ORDER BY id DESC LIMIT 1').pluck().get()).not.toBe('failed');
    } finally {
      db.close();
    }
  });

  // Another user than the database's owner (root runs the suite here: then "nobody", through runuser).
  const asRoot = process.getuid?.() === 0 && spawnSync('runuser', ['--help']).status === 0;
  const asOther = (args: string[]) => {
    const r = asRoot
      ? spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, BIN, ...args], { cwd: dir, env: childEnv(), encoding: 'utf8' })
      : spawnSync(process.execPath, [BIN, ...args], { cwd: dir, env: childEnv(), encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  it('a database another user cannot write: reading works where SQLite allows it; a write, or a read in a folder it cannot write, says what and for whom', () => {
    const path = join(dir, 'sla.db');
    chmodSync(join(dir, 'sla.config.json'), 0o644);
    chmodSync(path, asRoot ? 0o644 : 0o444); // readable, not writable, by the other user
    chmodSync(dir, 0o755);
    const user = asRoot ? 'nobody' : userInfo().username;
    try {
      // the folder writable by the other user too (SQLite makes -wal/-shm there): list works, pause is refused
      chmodSync(dir, asRoot ? 0o777 : 0o755);
      const list = asOther(['--at', '2025-11-03T10:00Z', 'list', '--format', 'json']);
      expect(list.code, list.stderr).toBe(0);
      expect(JSON.parse(list.stdout).map((t: { id: string }) => t.id).sort()).toEqual(['A1', 'A2']);
      const pause = asOther(['--at', '2025-11-03T10:00Z', 'pause', 'A1', '--reason', 'waiting for logs']);
      expect(pause.code).toBe(1);
      expect(pause.stderr).toMatch(new RegExp(`sla\\.db cannot be written by user ${user} \\(attempt to write a readonly database\\) — make the file and its folder writable by the user sla runs as`));
      // a folder it cannot write, no -wal/-shm there yet: even a read cannot open the file (WAL mode)
      for (const f of ['sla.db-wal', 'sla.db-shm']) rmSync(join(dir, f), { force: true });
      chmodSync(dir, asRoot ? 0o755 : 0o555);
      const read = asOther(['--at', '2025-11-03T10:00Z', 'list']);
      expect(read.code).toBe(1);
      expect(read.stderr).toMatch(new RegExp(`the folder of .*sla\\.db cannot be written by user ${user}, and SQLite keeps its -wal and -shm files there, even to read — make .* writable by every user that runs sla`));
      expect(read.stderr).not.toMatch(/bug/);
    } finally {
      chmodSync(dir, 0o755);
      chmodSync(path, 0o640);
    }
  });

  it('a lock held by an import: says which import (its file, pid and start) holds it; a note left by a killed one is not believed', async () => {
    const child = spawn(process.execPath, [BIN, '--at', '2025-11-03T10:00Z', 'import', '-', '--input-format', 'csv'], { cwd: dir, env: childEnv() });
    child.stdin.write('id,priority,status,created_at\nB1,low,open,2025-11-03T09:00Z\n'); // and then nothing: the import waits, holding the lock
    const note = join(dir, 'sla.db-holder');
    expect(existsSync(note)).toBe(false); // the import that made the database has removed its note
    const deadline = Date.now() + 15_000;
    while (!existsSync(note) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    try {
      const r = sla(['--at', '2025-11-03T10:00Z', 'pause', 'A1', '--reason', 'waiting for logs'], { cwd: dir, env: { SLA_BUSY_TIMEOUT_MS: '300' } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`stayed locked by another sla for more than 0\\.3 s: an import of <stdin> \\(pid ${child.pid}, since \\d\\d:\\d\\d UTC\\) — run again when it has finished`));
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.on('close', r));
    }
    expect(existsSync(note)).toBe(true); // killed: its note stays, and is not believed
    const holder = new Database(join(dir, 'sla.db'));
    holder.exec('BEGIN IMMEDIATE');
    try {
      const r = sla(['--at', '2025-11-03T10:00Z', 'pause', 'A1', '--reason', 'x'], { cwd: dir, env: { SLA_BUSY_TIMEOUT_MS: '300' } });
      expect(r.stderr).toMatch(/for more than 0\.3 s — another command is writing a lot/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('a lock held longer than the busy timeout: says another sla holds it and to run again, exit 1', () => {
    const holder = new Database(join(dir, 'sla.db'));
    holder.exec('BEGIN IMMEDIATE'); // another process writing (an import, a recalc)
    try {
      const r = sla(['--at', '2025-11-03T10:00Z', 'pause', 'A1', '--reason', 'waiting for logs'], { cwd: dir, env: { SLA_BUSY_TIMEOUT_MS: '300' } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/sla\.db stayed locked by another sla for more than 0\.3 s — another command is writing a lot \(an import or a recalc\): run again when it has finished/);
      expect(r.stderr).not.toMatch(/bug/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(sla(['--at', '2025-11-03T10:00Z', 'pause', 'A1', '--reason', 'waiting for logs'], { cwd: dir }).code).toBe(0);
  });
});

describe('a full disk', () => {
  // A real full disk: a 1 MiB tmpfs holds the database (mounting needs root; skipped otherwise, saying why).
  const mount = (): string | null => {
    if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
    const mnt = tempDir('sla-full-');
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { encoding: 'utf8' });
    return r.status === 0 ? mnt : `mount -t tmpfs failed: ${(r.stderr || r.error?.message || '').trim()}`;
  };

  it('an import that fills the disk says so with the path (exit 1) and leaves the database as it was', (ctx) => {
    const mnt = mount();
    if (mnt === null || !mnt.startsWith('/')) {
      console.warn(`skipped: ${mnt}`);
      ctx.skip();
      return;
    }
    try {
      const db = join(mnt, 'sla.db');
      const run = (...args: string[]) => sla(['--db', db, '--at', '2025-11-03T10:00Z', ...args], { cwd: dir });
      const first = run('import', 't.csv');
      expect(first.code, first.stderr).toBe(0);
      // 30,000 tickets with long subjects: several MiB, more than the disk holds
      const rows = ['id,subject,priority,status,created_at'];
      for (let i = 0; i < 30_000; i++) rows.push(`B${i},${'printer on fire '.repeat(8)}${i},high,open,2025-11-03T09:00Z`);
      writeFileSync(join(dir, 'big.csv'), rows.join('\n') + '\n');
      const r = run('import', 'big.csv');
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(db);
      expect(r.stderr).toMatch(/full/);
      expect(r.stderr).not.toMatch(/bug/);
      // nothing half-written: the same tickets as before
      expect(JSON.parse(run('list', '--format', 'json').stdout).map((t: { id: string }) => t.id).sort()).toEqual(['A1', 'A2']);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});
