// The ticket operations of the store held to the same assertions on both engines (team mode,
// issue 17): the SQLite file and, when the test server is there, PostgreSQL — an import's
// transaction (a round's tickets read, put twice, read back before commit, all or nothing),
// read-check-writes, and on PostgreSQL several writers at once.

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ComputedSla, Ticket, TicketEvent } from '../../src/domain/ticket.js';
import type { ListQuery, Store } from '../../src/store/contract.js';
import { PgStore } from '../../src/store/postgres/engine.js';
import { openPostgres } from '../../src/store/postgres/open.js';
import { SqliteStore } from '../../src/store/sqlite/engine.js';
import * as build from '../support/build.js';
import { tempDir } from '../support/project.js';
import { freshDatabase, POSTGRES_URL } from '../support/postgres.js';

const stores: Store[] = [];
afterAll(() => { for (const s of stores) s.close(); });

const ENGINES: Array<{ name: string; open: () => Promise<Store> }> = [
  { name: 'sqlite', open: async () => SqliteStore.open(join(tempDir('sla-tickets-'), 'sla.db'), { create: true }) },
  ...(POSTGRES_URL === null ? [] : [{ name: 'postgres', open: async () => PgStore.open(await freshDatabase()) }]),
];

async function open(make: () => Promise<Store>): Promise<Store> {
  const s = await make();
  stores.push(s);
  return s;
}

const H = 3_600_000;
const ev = (at: number, type: string, over: Partial<TicketEvent> = {}): TicketEvent =>
  ({ at, type, value: null, actor: null, reason: null, source: 'import', ...over });
const ticket = (id: string, over: Partial<Ticket> = {}): Ticket =>
  build.storedTicket(id, { priority: 'urgent', initialPriority: 'urgent', createdAt: 0, ...over });
/** First response due at 1h, resolution at 4h, computed at `at`. */
const state = (at: number, over: build.ComputedOver = {}): ComputedSla => build.computed({
  metrics: { first_response: { atRiskAt: 0.8 * H, dueAt: H }, resolution: { atRiskAt: 3.2 * H, dueAt: 4 * H } },
  nextChangeAt: 0.8 * H, computedAt: at, ...over,
});

describe.each(ENGINES)('ticket store on $name', ({ open: make }) => {
  it('an import: a round read once, a ticket put twice and read back before commit, its history appended, its digest kept', async () => {
    const s = await open(make);
    const first = await s.beginImport({ indexes: 'keep', expectedBytes: null });
    await first.prepare(['A', 'B']);
    expect(first.importHash('A')).toBeUndefined();
    first.put(ticket('A'), state(0), [ev(0, 'created')], 'h1');
    // put again in the same round: the batch answers with what it holds, history and all
    expect(first.importHash('A')).toBe('h1');
    expect(first.load('A')!.events.map((e) => e.type)).toEqual(['created']);
    first.put(ticket('A', { status: 'pending' }), state(H, { pausedAt: H }), [ev(H, 'status', { value: 'pending' }), ev(H, 'pause', { until: 2 * H, source: 'cli' })], null);
    first.put(ticket('B', { subject: 'tab\tnew\nline \\ back' }), state(0), [ev(0, 'created')], 'hb');
    await first.commit();
    const a = (await s.record('A'))!;
    expect(a.ticket.status).toBe('pending');
    expect(a.events.map((e) => [e.at, e.type, e.value])).toEqual([[0, 'created', null], [H, 'status', 'pending'], [H, 'pause', null]]);
    expect(a.events[2].until).toBe(2 * H);
    expect((await s.record('B'))!.ticket.subject).toBe('tab\tnew\nline \\ back');

    // a later import: what it read is the stored state; a digest-less write keeps the digest
    const second = await s.beginImport({ indexes: 'keep', expectedBytes: null });
    await second.prepare(['A', 'C']);
    expect(second.importHash('A')).toBe('h1');
    expect(second.load('A')!.events).toHaveLength(3);
    expect(second.load('C')).toBeNull();
    second.put(ticket('A', { status: 'open' }), state(3 * H), [ev(3 * H, 'status', { value: 'open' })], null);
    second.put(ticket('C'), state(0), [ev(0, 'created')], 'hc');
    await second.rollback();
    expect(await s.record('C')).toBeNull();
    expect((await s.record('A'))!.events).toHaveLength(3);

    // the manual pause's end is known to the list: after 2h the stored state cannot answer
    const q: ListQuery = { now: 2.5 * H, sort: 'due', limit: null, priorities: ['urgent'] };
    expect((await s.staleOpen(q)).map((r) => r.ticket.id)).toEqual(['A']);
  });

  it('an import into an empty table: a ticket of an earlier round read back and appended to; one rolled back leaves it empty', async () => {
    const s = await open(make);
    const rolled = await s.beginImport({ indexes: 'rebuild', expectedBytes: null });
    await rolled.prepare(['X']);
    rolled.put(ticket('X'), state(0), [ev(0, 'created')], 'hx');
    await rolled.prepare(['Y']); // X is on its way in
    rolled.put(ticket('Y'), state(0), [ev(0, 'created')], 'hy');
    await rolled.rollback();
    expect(await s.record('X')).toBeNull();
    expect(await s.record('Y')).toBeNull();

    const b = await s.beginImport({ indexes: 'rebuild', expectedBytes: null });
    await b.prepare(['A', 'B']);
    b.put(ticket('A'), state(0), [ev(0, 'created')], 'h1');
    b.put(ticket('B', { status: 'pending' }), state(H, { pausedAt: H }), [ev(0, 'created'), ev(H, 'pause', { until: 2 * H, source: 'cli' })], 'hb');
    await b.prepare(['C']);
    b.put(ticket('C'), state(0), [ev(0, 'created')], 'hc');
    // A again, two rounds later (a log not grouped by ticket): what the import wrote is read back
    await b.prepare(['A', 'D']);
    expect(b.importHash('A')).toBe('h1');
    expect(b.load('A')!.events.map((e) => e.type)).toEqual(['created']);
    expect(b.load('D')).toBeNull();
    b.put(ticket('A', { status: 'open' }), state(2 * H), [ev(2 * H, 'status', { value: 'open' })], 'h2');
    b.put(ticket('D'), state(0), [ev(0, 'created')], 'hd');
    await b.commit();
    expect((await s.record('A'))!.events.map((e) => [e.at, e.type])).toEqual([[0, 'created'], [2 * H, 'status']]);
    expect((await s.record('D'))!.ticket.id).toBe('D');
    // B's manual pause end was written with it: after 2h its stored state cannot answer
    const q: ListQuery = { now: 2.5 * H, sort: 'due', limit: null, priorities: ['urgent'] };
    expect((await s.staleOpen(q)).map((r) => r.ticket.id)).toEqual(['B']);
  });

  it('read-check-write: a refusal writes nothing; a write appends to the history and audits', async () => {
    const s = await open(make);
    await s.mutateTicket('T', () => ({ write: { ticket: ticket('T'), computed: state(0), events: [ev(0, 'created')] }, result: null }));
    await expect(s.mutateTicket('T', () => { throw new Error('refused'); })).rejects.toThrow('refused');
    const r = await s.mutateTicket('T', (cur) => ({
      write: { ticket: { ...cur!.ticket, assignee: 'ana' }, computed: state(H), events: [ev(H, 'assignee', { value: 'ana', source: 'cli' })] },
      audit: [{ at: H, actor: 'lead', action: 'assign', ticketId: 'T', reason: 'on shift', before: { assignee: null }, after: { assignee: 'ana' } }],
      result: cur!.events.length,
    }));
    expect(r).toBe(1);
    expect((await s.record('T'))!.events.map((e) => e.type)).toEqual(['created', 'assignee']);
    expect(await s.listAudit({ ticketId: 'T' })).toEqual([
      { seq: 1, at: H, actor: 'lead', action: 'assign', ticketId: 'T', reason: 'on shift', before: { assignee: null }, after: { assignee: 'ana' } },
    ]);
    const ids = await s.listOpenIds({ now: 1.5 * H, sort: 'due', limit: null, priorities: ['urgent'], assignee: 'ANA' });
    expect(ids).toEqual({ ids: ['T'], total: 1 });
  });
});

describe.skipIf(POSTGRES_URL === null)('ticket store on postgres, from several machines at once', () => {
  it('an import into an empty table builds the indexes it dropped; another machine writes once it commits', async () => {
    const url = await freshDatabase();
    const [a, b] = await Promise.all([PgStore.open(url), PgStore.open(url)]);
    stores.push(a, b);
    const sql = await openPostgres(url);
    const indexes = async (): Promise<string[]> => (await sql<Array<{ d: string }>>`
      SELECT indexdef AS d FROM pg_indexes WHERE tablename = 'tickets' ORDER BY indexname`).map((r) => r.d);
    try {
      const before = await indexes();
      expect(before.length).toBeGreaterThan(3);
      const imp = await a.beginImport({ indexes: 'rebuild', expectedBytes: null });
      await imp.prepare(['A']);
      imp.put(ticket('A'), state(0), [ev(0, 'created')], 'ha');
      // an agent's write on another machine meanwhile waits for the import, and is not lost
      let written = false;
      const agent = b.mutateTicket('N', () => ({ write: { ticket: ticket('N'), computed: state(0), events: [ev(0, 'created', { source: 'cli' })] }, result: null }))
        .then(() => { written = true; });
      const waiting = async (): Promise<number> => (await sql<Array<{ n: number }>>`
        SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)[0].n;
      while ((await waiting()) === 0) await new Promise((r) => setImmediate(r));
      expect(written).toBe(false);
      await imp.commit();
      await agent;
      expect(await indexes()).toEqual(before);
      expect((await a.record('N'))!.events).toHaveLength(1);
      expect((await a.record('A'))!.ticket.id).toBe('A');
    } finally {
      await sql.end();
    }
  });

  it('20 read-check-writes of one ticket from 4 connections: every one applied, none lost', async () => {
    const url = await freshDatabase();
    const machines = await Promise.all([1, 2, 3, 4].map(() => PgStore.open(url)));
    stores.push(...machines);
    await machines[0].mutateTicket('N', () => ({ write: { ticket: ticket('N', { custom: { n: '0' } }), computed: state(0), events: [] }, result: null }));
    await Promise.all(Array.from({ length: 20 }, (_, i) => machines[i % 4].mutateTicket('N', (cur) => ({
      write: { ticket: { ...cur!.ticket, custom: { n: String(Number(cur!.ticket.custom.n) + 1) } }, computed: state(0), events: [ev(i, 'note', { source: 'cli' })] },
      result: null,
    }))));
    const n = (await machines[0].record('N'))!;
    expect(n.ticket.custom.n).toBe('20');
    expect(n.events).toHaveLength(20);
  });
});
