-- Config history (issue 10). Every config write adds a revision in its own transaction,
-- numbered by the account's counter row, bumped in that same transaction: an account's
-- revisions commit in number order, and a number is never handed out twice.

CREATE TABLE config_revision_counters (
  account_id INTEGER PRIMARY KEY,
  last_revision INTEGER NOT NULL
);

-- Compaction's watermark per account: revisions at or below it may be gone (the feed
-- answers 410 below it). Its own table, so compaction never touches the counter row writers lock.
CREATE TABLE config_revision_watermarks (
  account_id INTEGER PRIMARY KEY,
  compacted_through INTEGER NOT NULL
);

-- `config` is NULL for a delete. `config_id` and `version` make the ETag after the change.
CREATE TABLE config_revisions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  integration TEXT NOT NULL,
  scope TEXT NOT NULL,
  operation TEXT NOT NULL CHECK (operation IN ('create', 'replace', 'merge', 'delete', 'restore')),
  config TEXT,
  config_id INTEGER NOT NULL,
  version INTEGER NOT NULL,
  changed_at INTEGER NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  request_id TEXT
);

-- Numbers are unique per account (the counter guarantees it; this proves it), and
-- compaction walks an account's revisions in order.
CREATE UNIQUE INDEX config_revisions_number ON config_revisions (account_id, revision);
-- A scope's history, newest first.
CREATE INDEX config_revisions_scope ON config_revisions (account_id, integration, scope, revision);
-- The change feed: an integration's revisions after a number.
CREATE INDEX config_revisions_feed ON config_revisions (account_id, integration, revision);
