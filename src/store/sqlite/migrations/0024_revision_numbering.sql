-- Nothing to change on SQLite (issue 23). PostgreSQL's migration 0024 moves revision
-- numbering out of the write's transaction so one account's writes share WAL flushes; SQLite
-- has one writer, whose group commit already shares one fsync among many writes, so each
-- write keeps numbering its revision itself. This file keeps both schemas at the same
-- version, which backups carry: a backup from either store imports into the other.
SELECT 1;
