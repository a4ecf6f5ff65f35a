-- 002: why a breached metric was breached (`sla reason`), for post-mortems and `report --by breach_reason`.
ALTER TABLE tickets ADD COLUMN fr_breach_reason TEXT;
ALTER TABLE tickets ADD COLUMN res_breach_reason TEXT;

-- `sla list`: one covering index over the open tickets with every column its
-- filters and sorts read, so a filtered list over 100,000 open tickets scans
-- this index (no table rows) and sorts only what matches.
CREATE INDEX tickets_open_list ON tickets(
  created_at, computed_at, paused_at,
  fr_status, fr_due_at, fr_at_risk_at, fr_stopped_at,
  res_status, res_due_at, res_at_risk_at, res_stopped_at,
  priority, tier, assignee, id, status
) WHERE status NOT IN ('resolved', 'closed');

-- Manual pauses that end by themselves (`sla pause --until`): `list` finds the
-- paused tickets whose pause ran out since their state was stored.
CREATE INDEX ticket_events_pause_until ON ticket_events(ticket_id) WHERE type = 'pause' AND data IS NOT NULL;

-- `list --at` in the past: the tickets whose stored state was written after that instant.
CREATE INDEX tickets_computed ON tickets(computed_at);
