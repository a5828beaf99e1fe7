-- Nothing to do on PostgreSQL: SQLite's 0026 replaces its per-scope revision index with links
-- from each revision to its scope's previous one (a fold of many scopes' revisions wrote a
-- page of that index per revision). Here revisions are numbered in batches (0024) and the
-- index costs a commit no flush of its own; it stays. The file keeps both dialects at the
-- same schema version, so a backup moves between them either way.
SELECT 1;
