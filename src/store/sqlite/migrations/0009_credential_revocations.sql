-- One row counting credential revocations. Every revocation bumps it in the same
-- transaction as the delete; each node polls it and drops its auth cache when it moves.
CREATE TABLE credential_revocations (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO credential_revocations (id, version) VALUES (1, 0);
