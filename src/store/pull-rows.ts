// The rows of the pull tables (migrations 010 for SQLite, 001 for PostgreSQL: the same columns)
// as the store's face gives them — shared by the engines.

import type { PullCursor, PullRow, PullStatus } from './contract.js';

export interface RawCursor { source: string; kind: string; cursor: string; saved_at: number; current_at: number | null }
export interface RawPull {
  id: number; source: string; started_at: number; finished_at: number | null; status: PullStatus; requests: number; pages: number;
  tickets: number; events: number; cursor_before: string | null; cursor_after: string | null; error: string | null;
}

export const toCursor = (r: RawCursor): PullCursor => ({ source: r.source, kind: r.kind, cursor: r.cursor, savedAt: r.saved_at, currentAt: r.current_at });
export const toPull = (r: RawPull): PullRow => ({
  id: r.id, source: r.source, startedAt: r.started_at, finishedAt: r.finished_at, status: r.status, requests: r.requests,
  pages: r.pages, tickets: r.tickets, events: r.events, cursorBefore: r.cursor_before, cursorAfter: r.cursor_after, error: r.error,
});
