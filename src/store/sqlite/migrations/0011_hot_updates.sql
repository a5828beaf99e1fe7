-- Nothing to do on SQLite: PostgreSQL's 0011 sets the fillfactor and autovacuum settings of
-- its hot tables, which SQLite has no counterpart for. The file keeps both dialects at the
-- same schema version, so a backup moves between them either way.
SELECT 1;
