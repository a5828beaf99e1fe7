-- The event-callback outbox: events written in the same transaction as the change that
-- caused them, delivered in batches to the integration's event_callback_url.
-- No foreign keys on purpose: pending events outlive the integration or instance they
-- speak of, so each row keeps what delivery needs (the URL, and what the signing secret
-- derives from: account, integration id and its created_at). Never metadata.

CREATE TABLE event_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  integration_id INTEGER NOT NULL,
  instance_id INTEGER,
  callback_url TEXT NOT NULL,
  integration_created_at INTEGER NOT NULL,
  integration_name TEXT NOT NULL,
  subdomain TEXT NOT NULL,
  type_id TEXT NOT NULL,
  error TEXT,
  -- The event's data as JSON, without metadata (read from the instance when sent).
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL,
  last_error TEXT,
  last_attempt_at INTEGER,
  delivered_at INTEGER
);

-- The deliverer: an integration's pending events, oldest first.
CREATE INDEX event_outbox_pending ON event_outbox (integration_id, id) WHERE status = 'pending';
-- The API: an integration's events, newest first.
CREATE INDEX event_outbox_integration ON event_outbox (account_id, integration_id, id);

-- One row per integration that ever had events: its delivery lease and retry time.
CREATE TABLE event_delivery_keys (
  integration_id INTEGER PRIMARY KEY,
  lease_owner TEXT,
  lease_expires_at INTEGER,
  next_attempt_at INTEGER NOT NULL
);

CREATE INDEX event_delivery_keys_due ON event_delivery_keys (next_attempt_at);
