// Team mode (issue 17) against the test PostgreSQL server: the database named by a variable,
// and the server's faults — unreachable at start, a connection dropped in the middle of a
// check's transaction — each one line (what, where, what to do; never the password, even with
// --verbose), exit 1, nothing half-written, and the next run completing the work once.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { alwaysConfig, project } from '../support/project.js';
import { freshDatabase, POSTGRES_URL } from '../support/postgres.js';

const T0 = '2025-11-03T10:00:00Z';
const LOG = { alerts: { destinations: { log: { type: 'file', path: 'alerts.ndjson' } }, routes: [{ to: ['log'] }] } };

const admins: Array<postgres.Sql> = [];
afterAll(async () => { for (const a of admins) await a.end(); });

describe.skipIf(POSTGRES_URL === null)('team mode: one PostgreSQL database', () => {
  it('"database": "$SLA_DATABASE_URL" — the URL from the environment; unset, a usage error; no file is made of it', async () => {
    const url = await freshDatabase();
    const p = project({ config: alwaysConfig({ database: '$SLA_DATABASE_URL' }), env: { SLA_DB: undefined, SLA_DATABASE_URL: url } });
    p.importTickets([{ id: 'V1', priority: 'urgent', status: 'open', created_at: T0 }], T0);
    expect(p.show('V1', T0)).toMatchObject({ id: 'V1', policy: 'p247' });
    const unset = p.sla(['list'], { env: { SLA_DATABASE_URL: undefined } });
    expect(unset.code).toBe(2);
    expect(unset.stderr.trim().split('\n')).toHaveLength(1);
    expect(unset.stderr).toMatch(/the config's "database" is \$SLA_DATABASE_URL, which is not set — export SLA_DATABASE_URL=postgres:/);
    expect(readdirSync(p.dir).filter((f) => !f.endsWith('.csv')).sort()).toEqual(['sla.config.json']);
  });

  it('the server unreachable at start: one line, exit 1, never the password (with --verbose too)', () => {
    const down = new URL(POSTGRES_URL!);
    down.port = '1';
    down.password = 'hunter2';
    const p = project({ config: alwaysConfig(), env: { SLA_DB: down.href } });
    for (const args of [['list'], ['--verbose', 'check']]) {
      const r = p.sla(args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^sla: cannot reach the PostgreSQL server at 127\.0\.0\.1:1\/sla \(connection refused\) — check that the server runs/);
      expect(r.stderr + r.stdout).not.toContain('hunter2');
      if (args[0] === 'list') expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('a connection dropped in the middle of a check: one line, exit 1, nothing recorded; the next check sends each alert once', async () => {
    const url = await freshDatabase();
    const p = project({ config: alwaysConfig(LOG), env: { SLA_DB: url } });
    p.importTickets([
      { id: 'D1', priority: 'urgent', status: 'open', created_at: T0 },
      { id: 'D2', priority: 'urgent', status: 'open', created_at: T0 },
    ], T0);
    // Another session holds D2's row: the check locks D1, then waits for D2 inside its transaction.
    const other = postgres(url, { max: 2, onnotice: () => undefined });
    admins.push(other);
    const held = other.reserve();
    const conn = await held;
    await conn`BEGIN`;
    await conn`SELECT id FROM tickets WHERE id = 'D2' FOR UPDATE`;
    const check = p.slaAsync(['check', '--at', '2025-11-03T11:05:00Z']);
    // The check's connection, once it waits for the lock, is cut (as a server restart or a
    // network fault would): terminated by the server.
    let waiting: Array<{ pid: number }> = [];
    for (let i = 0; i < 200 && waiting.length === 0; i++) {
      waiting = await other<Array<{ pid: number }>>`
        SELECT pid FROM pg_stat_activity WHERE application_name = 'sla' AND wait_event_type = 'Lock'`;
      if (waiting.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(waiting.length, 'a check waiting for the row lock').toBe(1);
    await other`SELECT pg_terminate_backend(${waiting[0].pid})`;
    const r = await check;
    await conn`ROLLBACK`;
    conn.release();
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^sla: lost the connection to the PostgreSQL server at 127\.0\.0\.1:\d+\/sla_t_\w+ \(\w+\) — the server restarted, or the network failed: what this command had not committed was not written — run it again\n$/);
    expect(r.stderr).not.toMatch(/this is a bug/);
    // nothing of its transaction: no SLA event, no alert, D1's stored state as the import left it
    const [counts] = await other<Array<{ events: number; alerts: number }>>`
      SELECT (SELECT count(*)::int FROM sla_events) AS events, (SELECT count(*)::int FROM alerts) AS alerts`;
    expect(counts).toEqual({ events: 0, alerts: 0 });
    const next = await p.slaAsync(['check', '--at', '2025-11-03T11:05:00Z']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toMatch(/2 breached/);
    const again = await p.slaAsync(['check', '--at', '2025-11-03T11:06:00Z']);
    expect(again.code, again.stderr).toBe(0);
    const sent = readFileSync(join(p.dir, 'alerts.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(sent.map((a) => `${a.type} ${a.ticketId}`).sort()).toEqual(['response_breached D1', 'response_breached D2']);
  });

  it('sla db copy --to: a SQLite file into PostgreSQL and back, verified; every command reads the same there; a database with rows is refused', async () => {
    const p = project({ config: alwaysConfig(LOG) });
    p.importTickets([
      { id: 'C1', priority: 'urgent', status: 'open', created_at: T0 },
      { id: 'C2', priority: 'high', status: 'open', assignee: 'ana', created_at: T0 },
      { id: 'C3', priority: 'urgent', status: 'resolved', created_at: T0, updated_at: '2025-11-03T12:00:00Z', first_response_at: '2025-11-03T10:20:00Z' },
    ], T0);
    expect((await p.slaAsync(['check', '--at', '2025-11-03T11:05:00Z'])).code).toBe(0);
    p.out(['--at', '2025-11-03T11:10:00Z', 'pause', 'C2', '--reason', 'waiting for the customer', '--until', '2025-11-03T15:00:00Z']);
    p.out(['--at', '2025-11-03T11:11:00Z', 'reason', 'C1', '--metric', 'first_response', 'nobody on shift']);
    const at = ['--at', '2025-11-03T11:30:00Z'];
    const views = (db: string[]) => ({
      show: ['C1', 'C2', 'C3'].map((id) => p.json([...db, ...at, 'show', id])),
      list: p.json([...db, ...at, 'list']),
      alerts: p.json([...db, ...at, 'alerts']),
      audit: p.json([...db, 'audit']),
      runs: p.json([...db, 'runs']).map((r: any) => ({ ...r, durationMs: null })),
      report: p.json([...db, ...at, 'report', '--days', '2']),
    });
    const before = views([]);

    const url = await freshDatabase();
    const copied = p.sla(['db', 'copy', '--to', url, '--format', 'json']);
    expect(copied.code, copied.stderr).toBe(0);
    const summary = JSON.parse(copied.stdout);
    expect(summary.ok).toBe(true);
    expect(Object.fromEntries(summary.tables.map((t: any) => [t.table, t.target]))).toMatchObject({
      tickets: 3, ticket_pause_ends: 1, audit: 2, runs: 1, sla_events: 2, alerts: 1,
    });
    for (const t of summary.tables) expect([t.table, t.targetDigest]).toEqual([t.table, t.sourceDigest]);
    expect(views(['--db', url])).toEqual(before);
    // numbering goes on after the copied rows: a new audit entry, a new run
    p.out(['--db', url, '--at', '2025-11-03T11:40:00Z', 'resume', 'C2']);
    expect(p.json(['--db', url, 'audit']).map((a: any) => a.seq)).toEqual([1, 2, 3]);

    // and back into a file: the same again (with the resume)
    const table = p.sla(['--db', url, 'db', 'copy', '--to', 'back.db']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/copied into .*back\.db: every table's rows and each of the 3 tickets' digest match/);
    expect(views(['--db', 'back.db'])).toEqual(views(['--db', url]));

    // into a database that holds rows: refused, nothing written; into itself: refused
    const again = p.sla(['db', 'copy', '--to', url]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^sla: the database to copy into is not empty \(its tickets table has rows\) — copy into a new, empty database/);
    expect(p.json(['--db', url, 'audit'])).toHaveLength(3);
    expect(p.sla(['db', 'copy', '--to', 'sla.db']).code).toBe(2);
    expect(p.sla(['db', 'copy']).stderr).toMatch(/needs --to/);
  });
});

describe('sla db copy into a file, failing', () => {
  it('a copy that fails half-way leaves no file behind (nor its -wal, -shm) and the source as it was', () => {
    const p = project({ config: alwaysConfig() });
    p.importTickets([
      { id: 'F1', priority: 'urgent', status: 'open', created_at: T0 },
      { id: 'F2', priority: 'high', status: 'open', created_at: T0 },
    ], T0);
    // a row the copy cannot write: a pause end of a ticket that is not there (a hand edit
    // with foreign keys off), refused by the new file's foreign key once F1 and F2 are in it
    const db = new Database(join(p.dir, 'sla.db'));
    db.pragma('foreign_keys = OFF');
    db.prepare('INSERT INTO ticket_pause_ends (ticket_id, until) VALUES (?, ?)').run('GONE', 1);
    db.close();
    const r = p.sla(['db', 'copy', '--to', 'copy.db']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^sla: a row of the source's ticket_pause_ends table cannot be written into the new database \(FOREIGN KEY constraint failed\); nothing was copied — check the source database/);
    expect(readdirSync(p.dir).filter((f) => f.startsWith('copy.db'))).toEqual([]);
    expect(p.json(['list']).map((t: any) => t.id).sort()).toEqual(['F1', 'F2']);
  });
});
