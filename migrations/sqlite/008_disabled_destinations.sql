-- 008: destinations whose receiver answered 410 Gone — "no longer interested in receiving
-- webhooks from this source; the sender should disable the endpoint" (the Standard Webhooks
-- specification). Nothing is sent to one while it is still what answered so: `target` is a
-- digest of its resolved URL (and headers, secret), never the URL itself, which may hold a
-- secret. A changed destination is sent to again; `sla alerts --enable NAME` re-enables.
CREATE TABLE disabled_destinations (
  name        TEXT PRIMARY KEY,
  target      TEXT NOT NULL,
  disabled_at INTEGER NOT NULL,
  reason      TEXT NOT NULL
);
