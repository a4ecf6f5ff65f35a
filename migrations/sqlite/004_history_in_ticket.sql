-- 004: a ticket's history is kept in its own row, as a JSON array in insertion order
-- (one write per ticket instead of one per event: a million-ticket import writes a
-- million rows, not three million). Each event is an array
--   [at, type, value, source, actor, reason, data]   (trailing nulls left out;
--   data = {"until": …, "recalculate": true, "assignment": {…}} when the event has any).
-- `ticket_events` becomes a read-only view of the same rows (seq = position in the
-- ticket's history, 1-based), and the manual pauses that end by themselves
-- (`sla pause --until`) are indexed in ticket_pause_ends.

ALTER TABLE tickets ADD COLUMN history TEXT NOT NULL DEFAULT '[]';

UPDATE tickets SET history = (
  SELECT json_group_array(json_array(e.at, e.type, e.value, e.source, e.actor, e.reason, json(e.data)) ORDER BY e.seq)
  FROM ticket_events e WHERE e.ticket_id = tickets.id
) WHERE id IN (SELECT ticket_id FROM ticket_events);

-- A manual pause's end (`until`) per pause event that has one: `list` and `report`
-- find the paused tickets whose pause ran out since their state was stored.
CREATE TABLE ticket_pause_ends (
  ticket_id  TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  until      INTEGER NOT NULL
);
CREATE INDEX ticket_pause_ends_by_ticket ON ticket_pause_ends(ticket_id, until);
INSERT INTO ticket_pause_ends (ticket_id, until)
  SELECT ticket_id, json_extract(data, '$.until') FROM ticket_events
  WHERE type = 'pause' AND data IS NOT NULL AND json_extract(data, '$.until') IS NOT NULL;

DROP TABLE ticket_events;

CREATE VIEW ticket_events (seq, ticket_id, at, type, value, data, actor, reason, source) AS
  SELECT e.key + 1, t.id, e.value ->> 0, e.value ->> 1, e.value ->> 2, e.value ->> 6, e.value ->> 4, e.value ->> 5, e.value ->> 3
  FROM tickets AS t, json_each(t.history) AS e;
