// The pull store's operations held to the same assertions on both engines (team mode, issue 17):
// the SQLite file and, when the test server is there (.ci/postgres), PostgreSQL — a pull's
// record, and a source's cursor advanced by compare and set.

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PullCursorMoved, type CursorAdvance, type PullCursor, type PullRow, type PullStats } from '../../src/store/contract.js';
import { openPostgres, type Sql } from '../../src/store/postgres/open.js';
import { PgPulls } from '../../src/store/postgres/pulls.js';
import { SqliteStore } from '../../src/store/sqlite/engine.js';
import { tempDir } from '../support/project.js';
import { freshDatabase, POSTGRES_URL } from '../support/postgres.js';

/** What the assertions use of an engine. */
interface Engine {
  start(source: string, at: number, before: string | null): Promise<number>;
  finish(id: number, at: number, st: PullStats, status: 'ok' | 'partial' | 'failed', after: string | null, error: string | null): Promise<void>;
  list(limit: number): Promise<PullRow[]>;
  cursor(source: string): Promise<PullCursor | null>;
  cursors(): Promise<PullCursor[]>;
  /** One page's transaction: advance the cursor (and nothing else). */
  advance(c: CursorAdvance): Promise<void>;
  close(): Promise<void>;
}

const closers: Array<() => Promise<void>> = [];
afterAll(async () => { for (const c of closers) await c(); });

const ENGINES: Array<{ name: string; open: () => Promise<Engine> }> = [
  {
    name: 'sqlite',
    open: async () => {
      const s = SqliteStore.open(join(tempDir('sla-pulls-'), 'sla.db'), { create: true });
      const e: Engine = {
        start: (a, b, c) => s.startPull(a, b, c), finish: (...a) => s.finishPull(...a), list: (n) => s.listPulls(n),
        cursor: (x) => s.pullCursor(x), cursors: () => s.pullCursors(),
        advance: async (c) => {
          const batch = await s.beginImport({ indexes: 'keep', expectedBytes: null, pull: true });
          try { batch.advanceCursor(c); await batch.commit(); } catch (err) { await batch.rollback(); throw err; }
        },
        close: async () => s.close(),
      };
      return e;
    },
  },
  ...(POSTGRES_URL === null ? [] : [{
    name: 'postgres',
    open: async () => {
      const sql: Sql = await openPostgres(await freshDatabase());
      const p = new PgPulls(sql);
      const e: Engine = {
        start: (a, b, c) => p.start(a, b, c), finish: (...a) => p.finish(...a), list: (n) => p.list(n),
        cursor: (x) => p.cursor(x), cursors: () => p.cursors(),
        advance: async (c) => { await sql.begin((tx) => p.advance(tx as unknown as Sql, c)); },
        close: () => sql.end(),
      };
      closers.push(() => sql.end());
      return e;
    },
  }]),
];

const STATS: PullStats = { requests: 12, pages: 3, tickets: 40, events: 95 };

describe.each(ENGINES)('pull store on $name', ({ open }) => {
  it('records pulls: running until finished, newest first, with what each did', async () => {
    const e = await open();
    const a = await e.start('support', 1_000, null);
    const b = await e.start('support', 2_000, '{"after":"x"}');
    expect((await e.list(10)).map((p) => [p.id, p.status])).toEqual([[b, 'running'], [a, 'running']]);
    await e.finish(a, 1_500, STATS, 'ok', '{"after":"x"}', null);
    await e.finish(b, 2_500, { ...STATS, tickets: 0 }, 'failed', null, 'support: the helpdesk refused the credentials (HTTP 401)');
    expect(await e.list(1)).toEqual([{
      id: b, source: 'support', startedAt: 2_000, finishedAt: 2_500, status: 'failed', requests: 12, pages: 3, tickets: 0, events: 95,
      cursorBefore: '{"after":"x"}', cursorAfter: null, error: 'support: the helpdesk refused the credentials (HTTP 401)',
    }]);
    expect((await e.list(10))[1]).toMatchObject({ id: a, status: 'ok', finishedAt: 1_500, tickets: 40, cursorAfter: '{"after":"x"}' });
    await e.close();
  });

  it('advances a cursor by compare and set: a page begun from a cursor that moved is refused and writes nothing', async () => {
    const e = await open();
    expect(await e.cursor('support')).toBeNull();
    await e.advance({ source: 'support', kind: 'zendesk', from: null, to: 'c1', savedAt: 10 });
    await e.advance({ source: 'support', kind: 'zendesk', from: 'c1', to: 'c2', savedAt: 20, currentAt: 15 });
    await e.advance({ source: 'support', kind: 'zendesk', from: 'c2', to: 'c3', savedAt: 30 });
    // the time it was last current stays until a pull is current again
    expect(await e.cursor('support')).toEqual({ source: 'support', kind: 'zendesk', cursor: 'c3', savedAt: 30, currentAt: 15 });
    await expect(e.advance({ source: 'support', kind: 'zendesk', from: 'c2', to: 'c9', savedAt: 40 })).rejects.toBeInstanceOf(PullCursorMoved);
    await expect(e.advance({ source: 'support', kind: 'zendesk', from: null, to: 'c9', savedAt: 40 })).rejects.toBeInstanceOf(PullCursorMoved);
    await e.advance({ source: 'desk', kind: 'freshdesk', from: null, to: 'd1', savedAt: 50, currentAt: 50 });
    expect((await e.cursors()).map((c) => [c.source, c.cursor])).toEqual([['desk', 'd1'], ['support', 'c3']]);
    await e.close();
  });
});

describe.skipIf(POSTGRES_URL === null)('pull store on postgres, from two machines at once', () => {
  it('two pulls that read the same cursor: one page is written, the other refused', async () => {
    const url = await freshDatabase();
    const [one, two] = await Promise.all([openPostgres(url, { max: 2 }), openPostgres(url, { max: 2 })]);
    closers.push(() => one.end(), () => two.end());
    const c: CursorAdvance = { source: 'support', kind: 'zendesk', from: null, to: 'c1', savedAt: 1 };
    const results = await Promise.allSettled([one, two].map((sql) => sql.begin((tx) => new PgPulls(sql).advance(tx as unknown as Sql, c))));
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(PullCursorMoved);
  });
});
