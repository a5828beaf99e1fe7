-- Console sign-ins, by the SHA-256 of the session's random id (the cookie carries the id,
-- signed). Every console request looks its session up, so signing out (a delete) ends it
-- on every node at once. Not backed up: a restored system signs its admins in again.
-- Expired rows are pruned in small batches by expires_at.
CREATE TABLE console_sessions (
  id_hash TEXT PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
