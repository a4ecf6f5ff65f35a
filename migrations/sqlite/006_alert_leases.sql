-- 006: a delivering run's hold on an alert (a lease) is its own: who holds it (lease_owner,
-- one random id per run) and until when on the real clock (lease_until, epoch ms; never the
-- --at clock). Before, a 'sending' row's lease end was kept in next_attempt_at, on the
-- clock of the run that claimed it. Rows 'sending' under that scheme go back to 'pending':
-- the next run sends them (at most the one in flight then twice, as after any crash).
ALTER TABLE alerts ADD COLUMN lease_owner TEXT;
ALTER TABLE alerts ADD COLUMN lease_until INTEGER;
UPDATE alerts SET status = 'pending' WHERE status = 'sending';
