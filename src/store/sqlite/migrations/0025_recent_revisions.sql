-- History without the scattered index pages (issue 23). A write used to put its revision
-- straight into config_revisions and its three indexes; a group commit of writes to many
-- scopes or accounts then dirtied a leaf page of each index per write, and every such page
-- went into the WAL at commit: history cost more than the write itself.
--
-- Now a write appends its revision here (no index: one page for a whole group commit), and
-- the store folds these rows into config_revisions in one transaction once a few hundred
-- wait, so each index page a fold touches takes many revisions at once. A fold moves rows
-- whole, numbers and all, in one transaction: a reader sees each revision exactly once.
CREATE TABLE config_revisions_recent (
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

-- What history's reads see: the folded revisions and the recent ones. The planner merges
-- the two in revision order (the indexed side by its index, the short recent side by a scan).
CREATE VIEW config_history AS
  SELECT account_id, revision, integration, scope, operation, config, config_id, version, changed_at,
    actor_type, actor_id, request_id
  FROM config_revisions
  UNION ALL
  SELECT account_id, revision, integration, scope, operation, config, config_id, version, changed_at,
    actor_type, actor_id, request_id
  FROM config_revisions_recent;
