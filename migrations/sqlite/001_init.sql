-- 001: tickets, their event history, the derived SLA instants, and the audit log.
-- Instants are INTEGER epoch milliseconds UTC.

CREATE TABLE tickets (
  id                TEXT PRIMARY KEY,
  subject           TEXT,
  requester         TEXT,
  customer          TEXT,
  tier              TEXT,
  priority          TEXT,
  status            TEXT NOT NULL DEFAULT 'new',
  assignee          TEXT,
  grp               TEXT,
  channel           TEXT,
  tags              TEXT NOT NULL DEFAULT '[]',   -- JSON array
  custom            TEXT NOT NULL DEFAULT '{}',   -- JSON object of imported custom fields
  created_at        INTEGER NOT NULL,
  first_response_at INTEGER,
  resolved_at       INTEGER,
  closed_at         INTEGER,
  updated_at        INTEGER,
  import_hash       TEXT,                         -- digest of the last imported row (unchanged rows are skipped)
  -- SLA assignment recorded when the clock started (a promise made is kept)
  initial_priority  TEXT,
  policy            TEXT,
  calendar          TEXT,
  target_fr_min     REAL,
  target_res_min    REAL,
  no_sla_reason     TEXT,
  -- derived from the history by the domain clock; never edited by hand
  sla_status        TEXT,
  sla_cycle         INTEGER NOT NULL DEFAULT 0,
  fr_status         TEXT,      -- on_time at_risk breached paused met
  fr_at_risk_at     INTEGER,
  fr_due_at         INTEGER,
  fr_stopped_at     INTEGER,   -- when the clock stopped (first response, or resolved first)
  fr_elapsed_min    REAL,      -- SLA-clock minutes (final once stopped)
  res_status        TEXT,
  res_at_risk_at    INTEGER,
  res_due_at        INTEGER,
  res_stopped_at    INTEGER,
  res_elapsed_min   REAL,
  breached_at       INTEGER,
  paused_at         INTEGER,
  total_paused_ms   INTEGER NOT NULL DEFAULT 0,
  next_change_at    INTEGER,   -- earliest future instant the state changes with no new event
  computed_at       INTEGER
);

-- "What becomes due before T" is a range scan of this index.
CREATE INDEX tickets_next_change ON tickets(next_change_at) WHERE next_change_at IS NOT NULL;
CREATE INDEX tickets_created ON tickets(created_at);
CREATE INDEX tickets_open_status ON tickets(sla_status, res_due_at) WHERE status NOT IN ('resolved', 'closed');

CREATE TABLE ticket_events (
  seq        INTEGER PRIMARY KEY,
  ticket_id  TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  at         INTEGER NOT NULL,
  type       TEXT NOT NULL,   -- created status reply priority assign pause resume reset retarget
  value      TEXT,
  data       TEXT,            -- JSON: until, recalculate, assignment
  actor      TEXT,
  reason     TEXT,
  source     TEXT
);
CREATE INDEX ticket_events_by_ticket ON ticket_events(ticket_id, at, seq);

CREATE TABLE audit (
  seq        INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  ticket_id  TEXT,
  reason     TEXT,
  before     TEXT,   -- JSON
  after      TEXT    -- JSON
);
CREATE INDEX audit_by_ticket ON audit(ticket_id, at);
CREATE INDEX audit_by_at ON audit(at);

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
