-- Idempotency records of the push API: the results answered to a push that carried a
-- request_id, so a repeat of it answers them again and stores nothing twice. Written in
-- the push's own transaction; kept at least 24 hours, then purged as pushes go by.
-- Transient: not part of a backup.

CREATE TABLE push_requests (
  instance_id INTEGER NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
  request_id TEXT NOT NULL,
  -- JSON array of {externalId, code, description}.
  results TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (instance_id, request_id)
);

-- The purge, oldest first.
CREATE INDEX push_requests_age ON push_requests (created_at);
