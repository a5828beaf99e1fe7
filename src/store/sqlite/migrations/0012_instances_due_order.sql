-- Nothing to do on SQLite: its instances_due index (active, next_pull_at) already ends with
-- the rowid (the id), so the claim's (next_pull_at, id) order comes from the index. The file
-- keeps both dialects at the same schema version, so a backup moves between them either way.
SELECT 1;
