// The PostgreSQL engine's side of `sla pull` (team mode, issue 17): each source's cursor,
// advanced in the transaction of the page it covers (compare and set under a row lock, so that
// pulls of one source from two machines never both write a page), and the record of every pull.
// The same operations, answers and errors as the SQLite engine's (src/store/sqlite/pulls.ts).

import { PullCursorMoved, type CursorAdvance, type PullCursor, type PullRow, type PullStats, type PullStatus } from '../contract.js';
import { toCursor, toPull, type RawCursor, type RawPull } from '../pull-rows.js';
import type { Sql } from './open.js';


export class PgPulls {
  constructor(private readonly sql: Sql) {}

  async cursor(source: string): Promise<PullCursor | null> {
    const [r] = await this.sql<RawCursor[]>`SELECT * FROM pull_cursors WHERE source = ${source}`;
    return r ? toCursor(r) : null;
  }

  async cursors(): Promise<PullCursor[]> {
    return (await this.sql<RawCursor[]>`SELECT * FROM pull_cursors ORDER BY source`).map(toCursor);
  }

  /**
   * Inside the page's transaction `tx`: compare (the cursor the pull started the page from) and
   * set. A source's first cursor is taken with the insert's conflict, a later one under the
   * row's lock: a second pull that read the same cursor waits, then finds it moved.
   */
  async advance(tx: Sql, c: CursorAdvance): Promise<void> {
    const [row] = await tx<Array<{ cursor: string }>>`SELECT cursor FROM pull_cursors WHERE source = ${c.source} FOR UPDATE`;
    const stored = row?.cursor ?? null;
    if (stored !== c.from) throw new PullCursorMoved(c.source);
    if (row === undefined) {
      const inserted = await tx`
        INSERT INTO pull_cursors (source, kind, cursor, saved_at, current_at) VALUES (${c.source}, ${c.kind}, ${c.to}, ${c.savedAt}, ${c.currentAt ?? null})
        ON CONFLICT (source) DO NOTHING`;
      if (inserted.count === 0) throw new PullCursorMoved(c.source);
      return;
    }
    await tx`
      UPDATE pull_cursors SET kind = ${c.kind}, cursor = ${c.to}, saved_at = ${c.savedAt}, current_at = coalesce(${c.currentAt ?? null}::bigint, current_at)
      WHERE source = ${c.source}`;
  }

  async start(source: string, startedAt: number, cursorBefore: string | null): Promise<number> {
    const [r] = await this.sql<Array<{ id: number }>>`
      INSERT INTO pulls (source, started_at, status, cursor_before) VALUES (${source}, ${startedAt}, 'running', ${cursorBefore}) RETURNING id`;
    return r.id;
  }

  async finish(id: number, finishedAt: number, st: PullStats, status: Exclude<PullStatus, 'running'>, cursorAfter: string | null, error: string | null): Promise<void> {
    await this.sql`
      UPDATE pulls SET finished_at = ${finishedAt}, requests = ${st.requests}, pages = ${st.pages}, tickets = ${st.tickets}, events = ${st.events},
        status = ${status}, cursor_after = ${cursorAfter}, error = ${error}
      WHERE id = ${id}`;
  }

  async list(limit: number): Promise<PullRow[]> {
    return (await this.sql<RawPull[]>`SELECT * FROM pulls ORDER BY id DESC LIMIT ${limit}`).map(toPull);
  }
}
