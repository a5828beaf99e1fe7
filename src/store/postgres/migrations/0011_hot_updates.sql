-- Hot rows stay cheap to update and clean themselves up.
--
-- configs: a PATCH or PUT rewrites config, version and updated_at, none of them indexed, so
-- the update is HOT (no new index entries) whenever the row's page has room for the new
-- version. A fillfactor of 75 leaves a quarter of every page for that; HOT pruning then
-- reclaims the old versions on the page without a VACUUM. Autovacuum's defaults wait for
-- 20 % of the table to be dead (a small table under steady updates degrades long before
-- a vacuum starts): here a few hundred dead rows are enough, and the vacuum of a small
-- table runs without pausing.
ALTER TABLE configs SET (
  fillfactor = 75,
  autovacuum_vacuum_scale_factor = 0.02,
  autovacuum_vacuum_threshold = 200,
  autovacuum_vacuum_insert_scale_factor = 0.05,
  autovacuum_analyze_scale_factor = 0.05,
  autovacuum_analyze_threshold = 200,
  autovacuum_vacuum_cost_delay = 0,
  toast.autovacuum_vacuum_scale_factor = 0.02,
  toast.autovacuum_vacuum_threshold = 200
);

-- instances: every claim, lease renewal and finished pull updates its row. The lease
-- columns are not indexed, so claims and renewals are HOT given room on the page; a
-- finished pull moves next_pull_at (the scheduler's index) and cannot be.
ALTER TABLE instances SET (
  fillfactor = 80,
  autovacuum_vacuum_scale_factor = 0.02,
  autovacuum_vacuum_threshold = 200,
  autovacuum_analyze_scale_factor = 0.05,
  autovacuum_vacuum_cost_delay = 0
);

-- config_revision_counters: one row per account, bumped (under its row lock) by every
-- config write of the account: the hottest rows there are. Only the primary key is
-- indexed, so every bump is HOT; half of each page is left free for the new versions,
-- and a vacuum comes after a fixed number of dead rows, not a share of a tiny table.
ALTER TABLE config_revision_counters SET (
  fillfactor = 50,
  autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 1000,
  autovacuum_analyze_scale_factor = 0,
  autovacuum_analyze_threshold = 1000,
  autovacuum_vacuum_cost_delay = 0
);

-- config_revisions: append-mostly (compaction deletes old rows). Vacuumed after inserts
-- too, so its visibility map (index-only scans of the feed) and statistics keep up.
ALTER TABLE config_revisions SET (
  autovacuum_vacuum_insert_scale_factor = 0.05,
  autovacuum_analyze_scale_factor = 0.02
);
