-- Nothing to do on SQLite: PostgreSQL's 0027 drops the foreign keys of pulls, threads and
-- resources (a lookup statement per inserted row) for a cascade trigger. SQLite checks a key
-- inside the insert, at the cost of one index probe. The file keeps both dialects at the same
-- schema version, so a backup moves between them either way.
SELECT 1;
