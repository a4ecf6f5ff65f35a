-- 007: the open tickets' SLA status joins the list's covering index, and the index over open
-- tickets by (sla_status, res_due_at) goes. Its one reader was `check --fail-on`'s count of
-- open tickets in some SLA states, which now scans the covering index (the open tickets'
-- entries, no table rows); every import into an empty table built it after the last row
-- (one more sort of the open tickets, while the import waits).
DROP INDEX IF EXISTS tickets_open_status;
DROP INDEX IF EXISTS tickets_open_list;
CREATE INDEX tickets_open_list ON tickets(
  created_at, computed_at, paused_at,
  fr_status, fr_due_at, fr_at_risk_at, fr_stopped_at,
  res_status, res_due_at, res_at_risk_at, res_stopped_at,
  priority, tier, assignee, id, status, sla_status
) WHERE status NOT IN ('resolved', 'closed');
