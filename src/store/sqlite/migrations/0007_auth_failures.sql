-- Nothing to create: with SQLite one process serves the database, and it counts failed
-- authentications in memory. The number keeps both dialects' migrations in step.
SELECT 1;
