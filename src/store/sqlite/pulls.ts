// `sla pull`'s tables (migration 010): each source's cursor, advanced in the transaction of
// the page it covers, and the record of every pull.

import type Database from 'better-sqlite3';
import { PullCursorMoved, type CursorAdvance, type PullCursor, type PullRow, type PullStats, type PullStatus } from '../contract.js';
import { toCursor, toPull, type RawCursor, type RawPull } from '../pull-rows.js';

export class Pulls {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
      cursor: db.prepare<[string], RawCursor>('SELECT * FROM pull_cursors WHERE source = ?'),
      cursors: db.prepare<[], RawCursor>('SELECT * FROM pull_cursors ORDER BY source'),
      saveCursor: db.prepare<[string, string, string, number, number | null]>(
        `INSERT INTO pull_cursors (source, kind, cursor, saved_at, current_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(source) DO UPDATE SET kind = excluded.kind, cursor = excluded.cursor, saved_at = excluded.saved_at,
           current_at = coalesce(excluded.current_at, current_at)`,
      ),
      start: db.prepare<[string, number, string | null]>("INSERT INTO pulls (source, started_at, status, cursor_before) VALUES (?, ?, 'running', ?)"),
      finish: db.prepare<unknown[]>(
        `UPDATE pulls SET finished_at = ?, requests = ?, pages = ?, tickets = ?, events = ?, status = ?, cursor_after = ?, error = ?
         WHERE id = ?`,
      ),
      list: db.prepare<[number], RawPull>('SELECT * FROM pulls ORDER BY id DESC LIMIT ?'),
    };
  }

  cursor(source: string): PullCursor | null {
    const r = this.s.cursor.get(source);
    return r ? toCursor(r) : null;
  }

  cursors(): PullCursor[] {
    return this.s.cursors.all().map(toCursor);
  }

  /** Inside the page's transaction: compare (the cursor the pull started the page from) and set. */
  advance(c: CursorAdvance): void {
    const stored = this.s.cursor.get(c.source)?.cursor ?? null;
    if (stored !== c.from) throw new PullCursorMoved(c.source);
    this.s.saveCursor.run(c.source, c.kind, c.to, c.savedAt, c.currentAt ?? null);
  }

  start(source: string, startedAt: number, cursorBefore: string | null): number {
    return this.db.transaction(() => Number(this.s.start.run(source, startedAt, cursorBefore).lastInsertRowid)).immediate();
  }

  finish(id: number, finishedAt: number, st: PullStats, status: Exclude<PullStatus, 'running'>, cursorAfter: string | null, error: string | null): void {
    this.db.transaction(() => {
      this.s.finish.run(finishedAt, st.requests, st.pages, st.tickets, st.events, status, cursorAfter, error, id);
    }).immediate();
  }

  list(limit: number): PullRow[] {
    return this.s.list.all(limit).map(toPull);
  }
}
