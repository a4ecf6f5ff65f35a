// Faults of the database file, through the real CLI on a real SQLite file: the user's
// situation in one line (what, and what to do), exit 1 — never "this is a bug in sla".
import Database from 'better-sqlite3';
import { openSync, readFileSync, statSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { baseConfig, sla, tempDir, writeJson } from './helpers.js';

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
