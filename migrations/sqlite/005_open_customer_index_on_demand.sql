-- 005: the open-customer index (003) is made when it is first needed, not kept always.
-- Only escalation rules with customerOpenAtLeast query it; `sla check` creates it (the
-- same definition, store/alerts.ts OPEN_CUSTOMER_INDEX_SQL) when the config has such a
-- rule. Without one, no import builds it and no ticket write updates it: a first import
-- of a million tickets spent ~0.3 s of its ~8 s building it.
DROP INDEX IF EXISTS tickets_open_customer;
