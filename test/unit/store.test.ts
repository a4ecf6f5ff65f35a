import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ComputedSla, Ticket } from '../../src/domain/ticket.js';
import { StoreError } from '../../src/store/port.js';
import { MIGRATIONS_DIR, readMigrations } from '../../src/store/sqlite/open.js';
import { Store } from '../../src/store/sqlite/tickets.js';
import * as build from '../support/build.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'sla-store-')); });
afterEach(() => { /* temp dirs are left to the OS */ });

/** An urgent enterprise ticket with tags and a custom field (build.storedTicket otherwise). */
function ticket(id: string, over: Partial<Ticket> = {}): Ticket {
  return build.storedTicket(id, {
    tier: 'enterprise', priority: 'urgent', initialPriority: 'urgent', tags: ['a', 'b'], custom: { region: 'emea' }, ...over,
  });
}
/** Resolution due, and the next change, at `next`. */
const computed = (next: number | null): ComputedSla => build.computed({ metrics: { resolution: { dueAt: next } }, nextChangeAt: next });

describe('store', () => {
  it('creates the schema from the numbered migrations, tracked by user_version, in WAL mode', () => {
    const s = Store.open(join(dir, 'a.db'), { create: true });
    const versions = readMigrations().map((m) => m.version);
    expect(versions[0]).toBe(1);
    expect(s.schemaVersion()).toBe(versions[versions.length - 1]);
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('busy_timeout', { simple: true })).toBe(30000);
    s.close();
  });

  it('refuses a missing file unless asked to create it', () => {
    expect(() => Store.open(join(dir, 'missing.db'))).toThrow(StoreError);
  });

  it('refuses a database written by a newer sla byte for byte untouched, no -wal or -shm made (a file not in WAL mode)', () => {
    const path = join(dir, 'newer.db');
    const raw = new Database(path);
    raw.pragma('journal_mode = DELETE');
    raw.exec('CREATE TABLE future (x); INSERT INTO future VALUES (1)');
    raw.pragma('user_version = 999');
    raw.close();
    const hash = () => createHash('sha256').update(readFileSync(path)).digest('hex');
    const before = hash();
    expect(() => Store.open(path)).toThrow(/newer than this sla knows \(\d+\)/);
    expect(hash()).toBe(before);
    expect(existsSync(`${path}-wal`) || existsSync(`${path}-shm`) || existsSync(`${path}-journal`)).toBe(false);
  });

  it('refuses a database written by a newer sla and leaves it untouched', () => {
    const path = join(dir, 'new.db');
    const raw = new Database(path);
    raw.exec('CREATE TABLE future (x)');
    raw.pragma('user_version = 999');
    raw.close();
    expect(() => Store.open(path)).toThrow(/newer than this sla knows/);
    const again = new Database(path);
    expect(again.pragma('user_version', { simple: true })).toBe(999);
    expect(again.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'tickets'").get()).toEqual({ n: 0 });
    again.close();
  });

  it('applies each migration in its own transaction: a broken one leaves the last good version', () => {
    const mig = join(dir, 'migrations');
    mkdirSync(mig);
    for (const f of readdirSync(MIGRATIONS_DIR)) copyFileSync(join(MIGRATIONS_DIR, f), join(mig, f));
    writeFileSync(join(mig, '900_broken.sql'), 'CREATE TABLE half (x);\nTHIS IS NOT SQL;');
    const path = join(dir, 'b.db');
    expect(() => Store.open(path, { create: true, migrationsDir: mig })).toThrow();
    const raw = new Database(path);
    expect(raw.pragma('user_version', { simple: true })).toBe(readMigrations().at(-1)!.version);
    expect(raw.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get()).toEqual({ n: 0 });
    raw.close();
  });

  it('migration 005 drops the open-customer index of an older database, keeping its tickets', () => {
    const old = join(dir, 'migrations-004');
    mkdirSync(old);
    for (const f of readdirSync(MIGRATIONS_DIR)) if (Number(f.slice(0, 3)) <= 4) copyFileSync(join(MIGRATIONS_DIR, f), join(old, f));
    const path = join(dir, 'old.db');
    const s4 = Store.open(path, { create: true, migrationsDir: old });
    s4.saveTicket(ticket('1'), computed(5000), []);
    expect(s4.schemaVersion()).toBe(4);
    expect(s4.db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'tickets_open_customer'").get()).toEqual({ n: 1 });
    s4.close();
    const s = Store.open(path);
    expect(s.schemaVersion()).toBe(readMigrations().at(-1)!.version);
    expect(s.db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'tickets_open_customer'").get()).toEqual({ n: 0 });
    expect(s.getTicketWithEvents('1')?.ticket.customer).toBe('acme');
    s.close();
  });

  it('saves a ticket with its events and reads them back in time order', () => {
    const s = Store.open(join(dir, 'c.db'), { create: true });
    s.saveTicket(ticket('1'), computed(5000), [
      { at: 3000, type: 'status', value: 'open', source: 'import' },
      { at: 2000, type: 'pause', until: 2500, reason: 'logs', actor: 'ana' },
    ]);
    const t = s.getTicket('1')!;
    expect(t).toEqual(ticket('1'));
    const ev = s.getEvents('1');
    expect(ev.map((e) => [e.at, e.type, e.until ?? null])).toEqual([[2000, 'pause', 2500], [3000, 'status', null]]);
    expect(ev[0].actor).toBe('ana');
    expect(s.getTicket('nope')).toBeNull();
    s.close();
  });

  it('finds what becomes due before T by an index range scan, soonest first', () => {
    const s = Store.open(join(dir, 'd.db'), { create: true });
    s.saveTickets([
      { ticket: ticket('a'), computed: computed(300), events: [] },
      { ticket: ticket('b'), computed: computed(100), events: [] },
      { ticket: ticket('c'), computed: computed(null), events: [] },
      { ticket: ticket('d'), computed: computed(900), events: [] },
    ]);
    expect(s.dueBefore(500)).toEqual([{ id: 'b', nextChangeAt: 100 }, { id: 'a', nextChangeAt: 300 }]);
    expect(s.explainDueBefore()).toMatch(/USING INDEX tickets_next_change/);
    s.close();
  });

  it('a batch is all or nothing', () => {
    const s = Store.open(join(dir, 'e.db'), { create: true });
    const bad = { ...ticket('y'), createdAt: null as unknown as number }; // violates NOT NULL
    expect(() => s.saveTickets([
      { ticket: ticket('x'), computed: computed(1), events: [] },
      { ticket: bad, computed: computed(1), events: [] },
    ])).toThrow();
    expect(s.countTickets()).toBe(0);
    s.close();
  });

  it('keeps an audit log with before/after values, filterable', () => {
    const s = Store.open(join(dir, 'f.db'), { create: true });
    s.addAudit({ at: 10, actor: 'ana', action: 'pause', ticketId: '1', reason: 'logs', before: { paused: false }, after: { paused: true } });
    s.addAudit({ at: 20, actor: 'bo', action: 'resume', ticketId: '1', reason: null, before: null, after: null });
    expect(s.listAudit({ actor: 'ana' })).toMatchObject([{ action: 'pause', before: { paused: false }, after: { paused: true } }]);
    expect(s.listAudit({ since: 15 }).map((a) => a.actor)).toEqual(['bo']);
    s.close();
  });
});
