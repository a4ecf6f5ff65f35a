-- 001 (PostgreSQL): the schema the SQLite engine reaches with its migrations 001–010, for a
-- team's shared database. Instants are epoch milliseconds (BIGINT), minutes DOUBLE PRECISION,
-- JSON kept as the same text the SQLite engine stores (one row codec for both engines). Text
-- compares and sorts by its bytes (COLLATE "C"), as SQLite's does: the same order of ids,
-- customers and assignees on both engines, whatever the database's locale.
CREATE TABLE tickets (
  id                TEXT COLLATE "C" PRIMARY KEY,
  subject           TEXT COLLATE "C",
  requester         TEXT COLLATE "C",
  customer          TEXT COLLATE "C",
  tier              TEXT COLLATE "C",
  priority          TEXT COLLATE "C",
  status            TEXT COLLATE "C" NOT NULL DEFAULT 'new',
  assignee          TEXT COLLATE "C",
  grp               TEXT COLLATE "C",
  channel           TEXT COLLATE "C",
  tags              TEXT COLLATE "C" NOT NULL DEFAULT '[]',
  custom            TEXT COLLATE "C" NOT NULL DEFAULT '{}',
  created_at        BIGINT NOT NULL,
  first_response_at BIGINT,
  resolved_at       BIGINT,
  closed_at         BIGINT,
  updated_at        BIGINT,
  import_hash       TEXT COLLATE "C",
  initial_priority  TEXT COLLATE "C",
  policy            TEXT COLLATE "C",
  calendar          TEXT COLLATE "C",
  target_fr_min     DOUBLE PRECISION,
  target_res_min    DOUBLE PRECISION,
  no_sla_reason     TEXT COLLATE "C",
  sla_status        TEXT COLLATE "C",
  sla_cycle         INTEGER NOT NULL DEFAULT 0,
  fr_status         TEXT COLLATE "C",
  fr_at_risk_at     BIGINT,
  fr_due_at         BIGINT,
  fr_stopped_at     BIGINT,
  fr_elapsed_min    DOUBLE PRECISION,
  res_status        TEXT COLLATE "C",
  res_at_risk_at    BIGINT,
  res_due_at        BIGINT,
  res_stopped_at    BIGINT,
  res_elapsed_min   DOUBLE PRECISION,
  breached_at       BIGINT,
  paused_at         BIGINT,
  total_paused_ms   BIGINT NOT NULL DEFAULT 0,
  next_change_at    BIGINT,
  computed_at       BIGINT,
  fr_breach_reason  TEXT COLLATE "C",
  res_breach_reason TEXT COLLATE "C",
  history           TEXT COLLATE "C" NOT NULL DEFAULT '[]'
);
CREATE INDEX tickets_computed ON tickets(computed_at);
CREATE INDEX tickets_next_change ON tickets(next_change_at) WHERE next_change_at IS NOT NULL;
CREATE INDEX tickets_created ON tickets(created_at);
CREATE INDEX tickets_open_list ON tickets(
  created_at, computed_at, paused_at,
  fr_status, fr_due_at, fr_at_risk_at, fr_stopped_at,
  res_status, res_due_at, res_at_risk_at, res_stopped_at,
  priority, tier, assignee, id, status, sla_status
) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_open_customer ON tickets(customer, created_at) WHERE status NOT IN ('resolved', 'closed');

CREATE TABLE ticket_pause_ends (
  ticket_id  TEXT COLLATE "C" NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  until      BIGINT NOT NULL
);
CREATE INDEX ticket_pause_ends_by_ticket ON ticket_pause_ends(ticket_id, until);

-- a ticket's history as rows (the SQLite engine's view of the same name)
CREATE VIEW ticket_events (seq, ticket_id, at, type, value, data, actor, reason, source) AS
  SELECT e.n, t.id, (e.v ->> 0)::bigint, e.v ->> 1, e.v ->> 2, e.v ->> 6, e.v ->> 4, e.v ->> 5, e.v ->> 3
  FROM tickets AS t, jsonb_array_elements(t.history::jsonb) WITH ORDINALITY AS e(v, n);

CREATE TABLE audit (
  seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at         BIGINT NOT NULL,
  actor      TEXT COLLATE "C" NOT NULL,
  action     TEXT COLLATE "C" NOT NULL,
  ticket_id  TEXT COLLATE "C",
  reason     TEXT COLLATE "C",
  before     TEXT COLLATE "C",
  after      TEXT COLLATE "C"
);
CREATE INDEX audit_by_ticket ON audit(ticket_id, at);
CREATE INDEX audit_by_at ON audit(at);

CREATE TABLE meta (
  key   TEXT COLLATE "C" PRIMARY KEY,
  value TEXT COLLATE "C" NOT NULL
);

CREATE TABLE sla_events (
  seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id    TEXT COLLATE "C" NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  cycle        INTEGER NOT NULL,
  type         TEXT COLLATE "C" NOT NULL,
  rule         TEXT COLLATE "C" NOT NULL DEFAULT '',
  due_at       BIGINT NOT NULL,
  recorded_at  BIGINT NOT NULL,
  announced    INTEGER NOT NULL DEFAULT 1,
  data         TEXT COLLATE "C",
  run_id       BIGINT,
  UNIQUE (ticket_id, cycle, type, rule)
);
CREATE INDEX sla_events_by_ticket ON sla_events(ticket_id, cycle);
CREATE INDEX sla_events_by_type ON sla_events(type, due_at);

CREATE TABLE alerts (
  id              TEXT COLLATE "C" PRIMARY KEY,
  sla_event_seq   BIGINT REFERENCES sla_events(seq) ON DELETE CASCADE,
  ticket_id       TEXT COLLATE "C" NOT NULL,
  destination     TEXT COLLATE "C",
  type            TEXT COLLATE "C" NOT NULL,
  status          TEXT COLLATE "C" NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT,
  last_error      TEXT COLLATE "C",
  payload         TEXT COLLATE "C" NOT NULL,
  created_at      BIGINT NOT NULL,
  sent_at         BIGINT,
  run_id          BIGINT,
  lease_owner     TEXT COLLATE "C",
  lease_until     BIGINT
);
CREATE INDEX alerts_pending ON alerts(status, next_attempt_at);
CREATE INDEX alerts_by_ticket ON alerts(ticket_id, created_at);

CREATE TABLE runs (
  id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  started_at        BIGINT NOT NULL,
  finished_at       BIGINT,
  at                BIGINT NOT NULL,
  tickets_evaluated INTEGER NOT NULL DEFAULT 0,
  events            INTEGER NOT NULL DEFAULT 0,
  alerts_sent       INTEGER NOT NULL DEFAULT 0,
  alerts_failed     INTEGER NOT NULL DEFAULT 0,
  status            TEXT COLLATE "C" NOT NULL DEFAULT 'running',
  error             TEXT COLLATE "C"
);

CREATE TABLE disabled_destinations (
  name        TEXT COLLATE "C" PRIMARY KEY,
  target      TEXT COLLATE "C" NOT NULL,
  disabled_at BIGINT NOT NULL,
  reason      TEXT COLLATE "C" NOT NULL
);

CREATE TABLE open_incidents (
  destination  TEXT COLLATE "C" NOT NULL,
  incident_key TEXT COLLATE "C" NOT NULL,
  ticket_id    TEXT COLLATE "C" NOT NULL,
  metric       TEXT COLLATE "C",
  cycle        INTEGER NOT NULL,
  opened_at    BIGINT NOT NULL,
  PRIMARY KEY (destination, incident_key)
);
CREATE INDEX open_incidents_by_ticket ON open_incidents(ticket_id);

CREATE TABLE pull_cursors (
  source     TEXT COLLATE "C" PRIMARY KEY,
  kind       TEXT COLLATE "C" NOT NULL,
  cursor     TEXT COLLATE "C" NOT NULL,
  saved_at   BIGINT NOT NULL,
  current_at BIGINT
);
CREATE TABLE pulls (
  id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source        TEXT COLLATE "C" NOT NULL,
  started_at    BIGINT NOT NULL,
  finished_at   BIGINT,
  status        TEXT COLLATE "C" NOT NULL,
  requests      INTEGER NOT NULL DEFAULT 0,
  pages         INTEGER NOT NULL DEFAULT 0,
  tickets       INTEGER NOT NULL DEFAULT 0,
  events        INTEGER NOT NULL DEFAULT 0,
  cursor_before TEXT COLLATE "C",
  cursor_after  TEXT COLLATE "C",
  error         TEXT COLLATE "C"
);
