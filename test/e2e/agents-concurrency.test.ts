// 20 agents' commands fired at once while a long import holds the write lock:
// every one succeeds (they wait on the busy timeout, no "database is locked")
// and no write is lost.

import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, childEnv, sla, slaAsync } from '../support/cli.js';
import { baseConfig, tempDir, writeJson } from '../support/project.js';

const HEADER = 'id,subject,customer,tier,priority,status,assignee,created_at,first_response_at,resolved_at,updated_at';
const BIG_ROWS = 25_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether another connection holds the write lock right now (probed without waiting). */
function writeLocked(path: string): boolean {
  const db = new Database(path, { timeout: 0 });
  try {
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return false;
  } catch (e) {
    // SQLITE_BUSY, or an extended code of it (SQLITE_BUSY_RECOVERY while the import's
    // connection opens the WAL, SQLITE_BUSY_SNAPSHOT …): another connection has the lock.
    if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY')) return true;
    throw e;
  } finally {
    db.close();
  }
}

describe('concurrency', () => {
  it('20 agent commands during a long import: they wait for its commit, all succeed, none lost', async () => {
    const dir = tempDir('sla-concurrency-');
    writeJson(join(dir, 'sla.config.json'), baseConfig());
    const ids = Array.from({ length: 20 }, (_, i) => `C${String(i + 1).padStart(2, '0')}`);
    writeFileSync(join(dir, 'agents.csv'), [HEADER, ...ids.map((id) =>
      `${id},Printer on fire,acme,enterprise,urgent,open,ana,2025-11-03T14:00:00Z,2025-11-03T14:05:00Z,,`)].join('\n') + '\n');
    expect(sla(['--at', '2025-11-03T14:00Z', 'import', 'agents.csv'], { cwd: dir }).code).toBe(0);
    // C11–C20 are paused beforehand; they will be resumed during the import.
    const prepared = await Promise.all(ids.slice(10).map((id) =>
      slaAsync(['--at', '2025-11-03T14:30Z', 'pause', id, '--reason', 'setup'], { cwd: dir })));
    for (const r of prepared) expect(r.code, r.stderr).toBe(0);

    // The import reads its rows from standard input, so the test decides how long it holds
    // its write transaction: agents start while it does, and must wait for its commit.
    const child = spawn(process.execPath, [BIN, '--at', '2025-11-03T14:00Z', 'import', '-', '--input-format', 'csv'], { cwd: dir, env: childEnv() });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    let importDone = false;
    const imported = new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
      child.on('close', (code) => { importDone = true; done({ code: code ?? -1, stdout: out, stderr: err }); }));
    const prios = ['urgent', 'high', 'medium', 'low'];
    const rows = (from: number, to: number): string => {
      let text = '';
      for (let i = from; i < to; i++) {
        const created = new Date(Date.UTC(2025, 10, 1) + (i % 2880) * 60_000).toISOString();
        text += `B${i},Bulk ticket ${i},cust${i % 97},,${prios[i % 4]},open,agent${i % 13},${created},,,\n`;
      }
      return text;
    };
    child.stdin.write(HEADER + '\n' + rows(0, BIG_ROWS / 2));
    const db = join(dir, 'sla.db');
    const waitFrom = Date.now();
    while (!writeLocked(db)) {
      expect(importDone, 'the import ended before it held the write lock').toBe(false);
      expect(Date.now() - waitFrom, 'the import never took the write lock').toBeLessThan(30_000);
      await sleep(10);
    }

    let agentsDone = 0;
    const agentsRun = Promise.all(ids.map((id, i) => {
      const actor = `agent-${String(i + 1).padStart(2, '0')}`;
      const args = i < 10
        ? ['--at', '2025-11-03T15:00Z', '--actor', actor, 'pause', id, '--reason', `concurrent ${i + 1}`]
        : ['--at', '2025-11-03T15:00Z', '--actor', actor, 'resume', id, '--reason', `concurrent ${i + 1}`];
      return slaAsync(args, { cwd: dir }).then((r) => { agentsDone++; return r; });
    }));
    // Give the agents time to start and reach the lock (well within the 30 s busy timeout)…
    await sleep(2500);
    // …none can have written while the import holds the lock.
    expect(writeLocked(db)).toBe(true);
    expect(agentsDone).toBe(0);
    child.stdin.end(rows(BIG_ROWS / 2, BIG_ROWS));
    const [agents, result] = await Promise.all([agentsRun, imported]);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/25,000 new/);
    for (const r of agents) {
      expect(r.stderr).not.toMatch(/locked|busy/i);
      expect(r.code, r.stderr).toBe(0);
    }

    // No lost write: all 20 audited, each pause/resume in effect.
    const audit = JSON.parse(sla(['audit', '--since', '2025-11-03T15:00Z', '--format', 'json'], { cwd: dir }).stdout) as Array<{
      actor: string; action: string; ticketId: string; reason: string;
    }>;
    expect(audit).toHaveLength(20);
    expect(audit.map((a) => a.actor).sort()).toEqual(ids.map((_, i) => `agent-${String(i + 1).padStart(2, '0')}`));
    expect(audit.filter((a) => a.action === 'pause').map((a) => a.ticketId).sort()).toEqual(ids.slice(0, 10));
    expect(audit.filter((a) => a.action === 'resume').map((a) => a.ticketId).sort()).toEqual(ids.slice(10));
    const paused = JSON.parse(sla(['--at', '2025-11-03T15:30Z', 'list', '--tier', 'enterprise', '--status', 'paused', '--format', 'json'], { cwd: dir }).stdout);
    expect(paused.map((t: { id: string }) => t.id).sort()).toEqual(ids.slice(0, 10));
    const running = JSON.parse(sla(['--at', '2025-11-03T15:30Z', 'list', '--tier', 'enterprise', '--status', 'on_time', '--format', 'json'], { cwd: dir }).stdout);
    expect(running.map((t: { id: string }) => t.id).sort()).toEqual(ids.slice(10));
    expect(running.every((t: { slaTotalPausedTime: number }) => t.slaTotalPausedTime === 30)).toBe(true);
  }, 90_000);
});
