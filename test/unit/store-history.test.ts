// A ticket's history stored in its row (migration 004): encoding, appends by later
// writes, the ticket_events view, the manual pause ends, the migration of an older
// database, and the in-thread import batch into an empty table.

import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TicketEvent } from '../../src/domain/ticket.js';
import { IdSet } from '../../src/store/id-set.js';
import { readMigrations } from '../../src/store/sqlite/open.js';
import { eventsToHistory, historyToEvents } from '../../src/store/ticket-row.js';
import { Store } from '../../src/store/sqlite/tickets.js';
import { listOpen, staleOpen } from '../../src/store/sqlite/queries.js';
import { allMetrics, computed, storedTicket as ticket } from '../support/build.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'sla-history-')); });


describe('history encoding', () => {
  it('round-trips every field, odd text included, in time order with ties in insertion order', () => {
    const events: TicketEvent[] = [
      { at: 3000, type: 'status', value: 'open', source: 'import' },
      { at: 2000, type: 'pause', until: 2500, reason: 'logs "quoted", back\\slash\nnew line', actor: 'ana' },
      { at: 2000, type: 'reset', recalculate: true, actor: 'bo', source: 'cli', value: null },
      { at: 4000, type: 'retarget', assignment: { policy: 'p', calendar: 'office', targets: { firstResponse: 7.5, resolution: 60 } } },
      { at: 1000, type: 'reply', value: 'émoji 🎉 ok' },
    ];
    const json = eventsToHistory(events);
    expect(JSON.parse(json)).toHaveLength(5); // valid JSON
    const back = historyToEvents(json);
    expect(back.map((e) => [e.at, e.type, e.seq])).toEqual([
      [1000, 'reply', 5], [2000, 'pause', 2], [2000, 'reset', 3], [3000, 'status', 1], [4000, 'retarget', 4],
    ]);
    expect(back[0].value).toBe('émoji 🎉 ok');
    expect(back[1]).toMatchObject({ until: 2500, actor: 'ana', reason: 'logs "quoted", back\\slash\nnew line', source: null });
    expect(back[2]).toMatchObject({ recalculate: true, actor: 'bo', source: 'cli', value: null });
    expect(back[4].assignment).toEqual({ policy: 'p', calendar: 'office', targets: { firstResponse: 7.5, resolution: 60 } });
    expect(historyToEvents('[]')).toEqual([]);
    expect(eventsToHistory([])).toBe('[]');
  });
});

describe('store: history in the ticket row', () => {
  it('appends each write\'s events to the stored ones; ticket_events is a view of them', () => {
    const s = Store.open(join(dir, 'a.db'), { create: true });
    s.saveTicket(ticket('1'), computed(), [{ at: 2000, type: 'reply', source: 'import' }]);
    s.saveTicket(ticket('1'), computed(), []); // no events: history kept
    s.saveTicket(ticket('1', { status: 'pending' }), computed(), [
      { at: 1500, type: 'status', value: 'pending', actor: 'ana', source: 'cli' },
      { at: 2500, type: 'pause', until: 9000, actor: 'ana', reason: 'waiting on logs' },
    ]);
    expect(s.getEvents('1').map((e) => [e.at, e.type, e.seq])).toEqual([[1500, 'status', 2], [2000, 'reply', 1], [2500, 'pause', 3]]);
    const rows = s.db.prepare("SELECT seq, ticket_id, at, type, value, actor, source, json_extract(data, '$.until') AS until FROM ticket_events ORDER BY seq").all();
    expect(rows).toEqual([
      { seq: 1, ticket_id: '1', at: 2000, type: 'reply', value: null, actor: null, source: 'import', until: null },
      { seq: 2, ticket_id: '1', at: 1500, type: 'status', value: 'pending', actor: 'ana', source: 'cli', until: null },
      { seq: 3, ticket_id: '1', at: 2500, type: 'pause', value: null, actor: 'ana', source: null, until: 9000 },
    ]);
    expect(s.db.prepare('SELECT ticket_id, until FROM ticket_pause_ends').all()).toEqual([{ ticket_id: '1', until: 9000 }]);
    expect(() => s.db.prepare("INSERT INTO ticket_events (ticket_id, at, type) VALUES ('1', 1, 'x')").run()).toThrow();
    s.close();
  });

  it('a paused ticket whose manual pause ran out since it was stored is stale for list', () => {
    const s = Store.open(join(dir, 'b.db'), { create: true });
    const q = { now: 10_000, sort: 'due' as const, limit: null, priorities: ['high'] };
    s.saveTicket(ticket('P', { status: 'open' }), computed({ pausedAt: 2500, computedAt: 3000, metrics: allMetrics('paused') }),
      [{ at: 2500, type: 'pause', until: 8000, actor: 'ana' }]);
    s.saveTicket(ticket('Q'), computed({ pausedAt: 2500, computedAt: 3000, metrics: allMetrics('paused') }),
      [{ at: 2500, type: 'pause', until: 20_000, actor: 'ana' }]);
    expect(staleOpen(s, q).map((r) => r.ticket.id)).toEqual(['P']);
    expect(staleOpen(s, q)[0].events.map((e) => e.until)).toEqual([8000]);
    expect(listOpen(s, q).records.map((r) => r.ticket.id)).toEqual(['Q']);
    s.close();
  });

  it('an import into an empty table builds the indexes at commit; a rollback leaves nothing', () => {
    const s = Store.open(join(dir, 'c.db'), { create: true });
    const indexes = (): string[] => s.db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tickets' AND sql IS NOT NULL ORDER BY name").pluck().all();
    const before = indexes();
    const b = s.beginImport();
    expect(indexes()).toEqual(['tickets_computed']); // dropped until the commit
    expect(b.importHash('1')).toBeUndefined();
    b.put(ticket('1'), computed({ nextChangeAt: 5 }), [{ at: 1, type: 'reply', source: 'import' }], 'h1');
    expect(b.importHash('1')).toBe('h1');
    expect(b.load('1')!.events.map((e) => e.type)).toEqual(['reply']);
    b.put(ticket('1', { status: 'pending' }), computed({ nextChangeAt: 5 }), [{ at: 2, type: 'status', value: 'pending', source: 'import' }], 'h2');
    expect(b.load('2')).toBeNull();
    b.commit();
    expect(indexes()).toEqual(before);
    expect(s.getEvents('1').map((e) => e.type)).toEqual(['reply', 'status']);
    expect(s.dueBefore(10)).toEqual([{ id: '1', nextChangeAt: 5 }]);

    const again = s.beginImport();
    again.put(ticket('2'), computed(), [], 'h');
    again.rollback();
    expect(s.getTicket('2')).toBeNull();
    expect(indexes()).toEqual(before);
    expect(s.db.pragma('cache_size', { simple: true })).toBe(-16000);
    s.close();
  });

  it("an event log's import ('keep') keeps the indexes up while it writes: the same rows, nothing to build at commit", () => {
    const s = Store.open(join(dir, 'k.db'), { create: true });
    const indexes = (): string[] => s.db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tickets' AND sql IS NOT NULL ORDER BY name").pluck().all();
    const before = indexes();
    expect(before.length).toBeGreaterThan(1);
    const b = s.beginImport('keep');
    expect(indexes()).toEqual(before);
    b.put(ticket('1'), computed({ nextChangeAt: 5 }), [{ at: 1, type: 'reply', source: 'import' }], 'h1');
    // the open-ticket index answers inside the transaction already
    expect(s.db.prepare('SELECT id FROM tickets INDEXED BY tickets_next_change WHERE next_change_at <= 10').pluck().all()).toEqual(['1']);
    b.commit();
    expect(indexes()).toEqual(before);
    expect(s.dueBefore(10)).toEqual([{ id: '1', nextChangeAt: 5 }]);
    s.close();
  });

  it('migration 004 moves an older database\'s events into the rows, keeping their order and pause ends', () => {
    const path = join(dir, 'old.db');
    const raw = new Database(path);
    for (const m of readMigrations().filter((x) => x.version <= 3)) raw.exec(m.sql);
    raw.pragma('user_version = 3');
    raw.prepare("INSERT INTO tickets (id, created_at) VALUES ('A', 0), ('B', 0), ('C', 0)").run();
    const ins = raw.prepare('INSERT INTO ticket_events (ticket_id, at, type, value, data, actor, reason, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    ins.run('A', 20, 'status', 'open', null, null, null, 'import');
    ins.run('B', 5, 'reply', null, null, 'bo', null, 'cli');
    ins.run('A', 10, 'pause', null, '{"until":50}', 'ana', 'logs', 'cli');
    ins.run('A', 10, 'reset', null, '{"recalculate":true}', 'ana', null, 'cli');
    raw.close();

    const s = Store.open(path);
    expect(s.schemaVersion()).toBe(readMigrations().at(-1)!.version);
    expect(s.getEvents('A').map((e) => [e.at, e.type, e.value, e.actor, e.reason, e.source, e.until ?? null, e.recalculate ?? false]))
      .toEqual([
        [10, 'pause', null, 'ana', 'logs', 'cli', 50, false],
        [10, 'reset', null, 'ana', null, 'cli', null, true],
        [20, 'status', 'open', null, null, 'import', null, false],
      ]);
    expect(s.getEvents('B').map((e) => [e.type, e.actor])).toEqual([['reply', 'bo']]);
    expect(s.getEvents('C')).toEqual([]);
    expect(s.db.prepare('SELECT ticket_id, until FROM ticket_pause_ends').all()).toEqual([{ ticket_id: 'A', until: 50 }]);
    expect(s.db.prepare("SELECT count(*) AS n FROM ticket_events WHERE ticket_id = 'A'").get()).toEqual({ n: 3 });
    s.close();
  });

  it('new files get 16 KiB pages', () => {
    const s = Store.open(join(dir, 'd.db'), { create: true });
    expect(s.db.pragma('page_size', { simple: true })).toBe(16384);
    s.close();
  });
});

describe('eventsToHistory', () => {
  // The stored encoding, written out: [at, type, value, source, actor, reason, data], trailing nulls left out.
  const reference = (events: TicketEvent[]): string => JSON.stringify(events.map((e) => {
    const data: Record<string, unknown> = {};
    if (e.until !== undefined && e.until !== null) data.until = e.until;
    if (e.recalculate) data.recalculate = true;
    if (e.assignment !== undefined) data.assignment = e.assignment;
    const a: unknown[] = [e.at, e.type, e.value ?? null, e.source ?? null, e.actor ?? null, e.reason ?? null];
    if (Object.keys(data).length > 0) return [...a, data];
    while (a.length > 2 && a[a.length - 1] === null) a.pop();
    return a;
  }));

  it('writes exactly the documented encoding, for any mix of fields and texts (also past its memory of texts)', () => {
    let seed = 11;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const texts = ['open', 'import', 'cli', 'a "q"', 'back\\slash', 'new\nline', 'émoji 🎉', '\ud800', ''];
    const maybe = (): string | null | undefined => (rnd() < 0.4 ? pick([null, undefined]) : pick(texts) + (rnd() < 0.5 ? String(Math.floor(rnd() * 20_000)) : ''));
    for (let i = 0; i < 30_000; i++) {
      const events: TicketEvent[] = [];
      const n = Math.floor(rnd() * 4);
      for (let k = 0; k < n; k++) {
        const e: TicketEvent = { at: Math.floor(rnd() * 2e12) + (rnd() < 0.1 ? 0.25 : 0), type: pick(['status', 'reply', 'priority', 'pause', 'note']) };
        const v = maybe(); const src = maybe(); const actor = rnd() < 0.2 ? maybe() : undefined; const reason = rnd() < 0.1 ? maybe() : undefined;
        if (v !== undefined) e.value = v;
        if (src !== undefined) e.source = src;
        if (actor !== undefined) e.actor = actor;
        if (reason !== undefined) e.reason = reason;
        if (rnd() < 0.03) e.until = 5;
        events.push(e);
      }
      expect(eventsToHistory(events)).toBe(reference(events));
    }
    expect(() => eventsToHistory([{ at: NaN, type: 'status', value: 'open' }])).toThrow(/no valid instant/);
  });
});

describe('IdSet', () => {
  it('never forgets an id it was given, and says so for few it was not', () => {
    const set = new IdSet();
    let collisions = 0;
    for (let i = 0; i < 200_000; i++) if (set.add(`T${i}`)) collisions++;
    expect(collisions).toBeLessThan(50);
    for (let i = 0; i < 200_000; i++) if (!set.has(`T${i}`)) throw new Error(`lost T${i}`);
    expect(set.add('T17')).toBe(true);
    let maybe = 0;
    for (let i = 0; i < 100_000; i++) if (set.has(`U${i}`)) maybe++;
    expect(maybe).toBeLessThan(100);
  });

  it('has() then add() (how an import asks), interleaved with other adds and growth: never forgets', () => {
    const set = new IdSet();
    const added = new Set<string>();
    let seed = 7;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 300_000; i++) {
      const id = `R${Math.floor(rnd() * 400_000)}`;
      const known = set.has(id);
      if (added.has(id)) expect(known).toBe(true);
      // Sometimes another id is added between the question and the add.
      if (rnd() < 0.2) {
        const other = `O${i}`;
        set.add(other);
        added.add(other);
      }
      set.add(id);
      added.add(id);
    }
    for (const id of added) if (!set.has(id)) throw new Error(`lost ${id}`);
  });
});
