-- What history's reads see (issue 23). On SQLite, migration 0025 keeps a write's revision
-- in a small unindexed table until a batch of them is folded into config_revisions, and
-- this view joins the two; here revisions go into config_revisions when numbered (0024), so
-- the view is the table. History's reads, written once for both stores, read the view.
CREATE VIEW config_history AS
  SELECT account_id, revision, integration, scope, operation, config, config_id, version, changed_at,
    actor_type, actor_id, request_id
  FROM config_revisions;
