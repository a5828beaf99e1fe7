-- Idempotency records of the push API: the results answered to a push that carried a
-- request_id, so a repeat of it answers them again and stores nothing twice. Written in
-- the push's own transaction; kept at least 24 hours, then purged as pushes go by.
-- Transient: not part of a backup. Same table as the SQLite schema.

CREATE TABLE push_requests (
  instance_id bigint NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
  request_id text NOT NULL,
  -- JSON array of {externalId, code, description}.
  results text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (instance_id, request_id)
);

-- The purge, oldest first.
CREATE INDEX push_requests_age ON push_requests (created_at);
