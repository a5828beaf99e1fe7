-- A scope's history without a per-scope index (issue 23). The index on (account_id,
-- integration, scope, revision) put each scope's entries on their own leaf page, so a fold
-- of revisions over many scopes wrote about one index page per revision to the WAL: with 10k
-- scopes, that index was what history cost. Now each revision links to its scope's previous
-- one, and the scope's newest revision (its head) is kept where a write already writes: in
-- the config row, or, once the config is deleted, in config_history_deleted. A scope's
-- history walks the links down the number index. `depth` counts a scope's revisions
-- (the head's is in the config row too), so compaction can keep a scope's newest N with a
-- subtraction.

-- The recent revisions first, so the links below see every revision in one table.
INSERT INTO config_revisions (account_id, revision, integration, scope, operation, config, config_id,
  version, changed_at, actor_type, actor_id, request_id)
SELECT account_id, revision, integration, scope, operation, config, config_id,
  version, changed_at, actor_type, actor_id, request_id
FROM config_revisions_recent ORDER BY account_id, revision;
DELETE FROM config_revisions_recent;

ALTER TABLE config_revisions ADD COLUMN previous INTEGER;
ALTER TABLE config_revisions ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
ALTER TABLE config_revisions_recent ADD COLUMN previous INTEGER;
ALTER TABLE config_revisions_recent ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
ALTER TABLE configs ADD COLUMN history_head INTEGER;
ALTER TABLE configs ADD COLUMN history_depth INTEGER NOT NULL DEFAULT 0;

-- The head of each deleted scope's history, until the scope is created again.
CREATE TABLE config_history_deleted (
  account_id INTEGER NOT NULL,
  integration TEXT NOT NULL,
  scope TEXT NOT NULL,
  head INTEGER NOT NULL,
  depth INTEGER NOT NULL,
  PRIMARY KEY (account_id, integration, scope)
) WITHOUT ROWID;

-- The links and heads of what is there now (the backup import runs the same three).
UPDATE config_revisions SET previous = linked.previous, depth = linked.depth
FROM (
  SELECT id, lag(revision) OVER scope_order AS previous, row_number() OVER scope_order AS depth
  FROM config_revisions
  WINDOW scope_order AS (PARTITION BY account_id, integration, scope ORDER BY revision)
) AS linked
WHERE linked.id = config_revisions.id;

UPDATE configs SET history_head = heads.head, history_depth = heads.depth
FROM (
  SELECT account_id, integration, scope, max(revision) AS head, max(depth) AS depth
  FROM config_revisions GROUP BY account_id, integration, scope
) AS heads
WHERE heads.account_id = configs.account_id AND heads.integration = configs.integration
  AND heads.scope = configs.scope;

INSERT INTO config_history_deleted (account_id, integration, scope, head, depth)
SELECT account_id, integration, scope, max(revision), max(depth)
FROM config_revisions r
WHERE NOT EXISTS (
  SELECT 1 FROM configs c
  WHERE c.account_id = r.account_id AND c.integration = r.integration AND c.scope = r.scope)
GROUP BY account_id, integration, scope;

DROP INDEX config_revisions_scope;
