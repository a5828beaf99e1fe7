-- The inspector: the last exchanges Switchboard had with each instance's integration (pulls,
-- channelbacks), and with each integration as a whole (manifest fetches and event batches,
-- instance_id NULL). A bounded ring: each insert deletes what falls past the ring's size.
-- request_body and response_body are encrypted like instances' metadata (they hold it) and
-- cut at 64 KB; their *_bytes are the sizes before the cut. findings is a JSON array.
-- Not backed up: a diagnostic trail, rebuilt by the next exchanges.
CREATE TABLE exchanges (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  integration_id INTEGER NOT NULL,
  instance_id INTEGER REFERENCES instances (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('manifest', 'pull', 'channelback', 'event_batch')),
  method TEXT NOT NULL,
  url TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  http_status INTEGER,
  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'failed')),
  error TEXT,
  findings TEXT NOT NULL,
  request_body TEXT NOT NULL,
  request_bytes INTEGER NOT NULL,
  response_body TEXT,
  response_bytes INTEGER,
  FOREIGN KEY (account_id, integration_id) REFERENCES channel_integrations (account_id, id) ON DELETE CASCADE
);

-- An instance's ring, newest first.
CREATE INDEX exchanges_instance ON exchanges (instance_id, id) WHERE instance_id IS NOT NULL;
-- An integration's own ring (instance_id NULL sorts together), and the cascade from it.
CREATE INDEX exchanges_integration ON exchanges (integration_id, instance_id, id);
