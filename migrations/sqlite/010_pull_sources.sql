-- 010: `sla pull` — where each source's pulls have got to, and a record of every pull.
-- A source's cursor is advanced in the transaction that commits the rows it covers (a pull
-- killed at any moment resumes from the last committed page: nothing lost, nothing twice).
CREATE TABLE pull_cursors (
  source     TEXT PRIMARY KEY,   -- the name under `sources` in the config
  kind       TEXT NOT NULL,      -- zendesk, freshdesk, jira
  cursor     TEXT NOT NULL,      -- the source's own position (JSON; see src/import/sources/)
  saved_at   INTEGER NOT NULL,   -- when this cursor was committed
  current_at INTEGER             -- the start of the last pull that reached the end of the source's changes
);
CREATE TABLE pulls (
  id            INTEGER PRIMARY KEY,
  source        TEXT NOT NULL,
  started_at    INTEGER NOT NULL,
  finished_at   INTEGER,
  status        TEXT NOT NULL,   -- running, ok (up to date), partial (time budget: the next pull resumes), failed
  requests      INTEGER NOT NULL DEFAULT 0,
  pages         INTEGER NOT NULL DEFAULT 0,
  tickets       INTEGER NOT NULL DEFAULT 0,
  events        INTEGER NOT NULL DEFAULT 0,
  cursor_before TEXT,
  cursor_after  TEXT,
  error         TEXT
);
