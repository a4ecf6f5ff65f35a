-- 009: what an alert opened at its destination that sla closes when the clock it is about stops
-- (a PagerDuty alert, by its dedup key). Recorded in the transaction that marks the alert sent;
-- deleted in the transaction that queues the closing message, so each is closed once.
CREATE TABLE open_incidents (
  destination  TEXT NOT NULL,
  incident_key TEXT NOT NULL,
  ticket_id    TEXT NOT NULL,
  metric       TEXT,              -- the clock (first_response, resolution); NULL: closed with the ticket
  cycle        INTEGER NOT NULL,
  opened_at    INTEGER NOT NULL,
  PRIMARY KEY (destination, incident_key)
);
CREATE INDEX open_incidents_by_ticket ON open_incidents(ticket_id);
