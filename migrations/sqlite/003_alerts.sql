-- 003: SLA events fired by `check` (exactly once per ticket, cycle, type, rule),
-- the alert outbox (written in the same transaction as the event, delivered after
-- commit), and the record of check runs.

CREATE TABLE sla_events (
  seq          INTEGER PRIMARY KEY,
  ticket_id    TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  cycle        INTEGER NOT NULL,            -- SLA cycle (a reset starts a new one)
  type         TEXT NOT NULL,               -- response_warning response_breached resolution_warning resolution_breached escalated
  rule         TEXT NOT NULL DEFAULT '',    -- escalation rule name ('' for clock transitions; 'manual' for sla escalate)
  due_at       INTEGER NOT NULL,            -- the instant it happened (a breach's = dueAt), not when check noticed
  recorded_at  INTEGER NOT NULL,            -- when check recorded it
  announced    INTEGER NOT NULL DEFAULT 1,  -- 0: recorded, not announced (a warning whose breach had also passed)
  data         TEXT,                        -- JSON: escalation from/to, actor, reason …
  run_id       INTEGER,
  UNIQUE (ticket_id, cycle, type, rule)
);
CREATE INDEX sla_events_by_ticket ON sla_events(ticket_id, cycle);
CREATE INDEX sla_events_by_type ON sla_events(type, due_at);

CREATE TABLE alerts (
  id              TEXT PRIMARY KEY,         -- stable event id (receivers can drop duplicates)
  sla_event_seq   INTEGER REFERENCES sla_events(seq) ON DELETE CASCADE,
  ticket_id       TEXT NOT NULL,
  destination     TEXT,                     -- destination name from the config; NULL = no route matched
  type            TEXT NOT NULL,
  status          TEXT NOT NULL,            -- pending sending sent failed unrouted
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,                  -- pending: not before this instant; sending: the claim's lease runs out
  last_error      TEXT,
  payload         TEXT NOT NULL,            -- JSON facts of the alert (never secrets)
  created_at      INTEGER NOT NULL,
  sent_at         INTEGER,
  run_id          INTEGER
);
CREATE INDEX alerts_pending ON alerts(status, next_attempt_at);
CREATE INDEX alerts_by_ticket ON alerts(ticket_id, created_at);

CREATE TABLE runs (
  id                INTEGER PRIMARY KEY,
  started_at        INTEGER NOT NULL,       -- wall clock
  finished_at       INTEGER,
  at                INTEGER NOT NULL,       -- the instant evaluated (--at or now)
  tickets_evaluated INTEGER NOT NULL DEFAULT 0,
  events            INTEGER NOT NULL DEFAULT 0,
  alerts_sent       INTEGER NOT NULL DEFAULT 0,
  alerts_failed     INTEGER NOT NULL DEFAULT 0,
  status            TEXT NOT NULL DEFAULT 'running',  -- running ok failed
  error             TEXT
);

-- escalation rules with customerOpenAtLeast count open tickets per customer.
CREATE INDEX tickets_open_customer ON tickets(customer, created_at)
  WHERE status NOT IN ('resolved', 'closed') AND customer IS NOT NULL;
