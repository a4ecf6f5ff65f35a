-- 002: why a breached metric was breached (`sla reason`), for post-mortems and `report --by breach_reason`.
ALTER TABLE tickets ADD COLUMN fr_breach_reason TEXT;
ALTER TABLE tickets ADD COLUMN res_breach_reason TEXT;
