import type pg from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import { failureLimiterOver, type FailureLimiter, type FailureLimits } from '../failure-limiter.js';

/**
 * Failure counts in the `auth_failures` table (migration 0007), shared by every node on
 * the database. The table is the library's layout; the migration creates it, so the
 * limiter never issues DDL at run time.
 */
export function postgresFailureLimiter(pool: pg.Pool, limits: FailureLimits): FailureLimiter {
  return failureLimiterOver(
    limits,
    (points, keyPrefix) =>
      new RateLimiterPostgres({
        storeClient: pool,
        storeType: 'pool',
        tableName: 'auth_failures',
        tableCreated: true,
        // Expired rows are deleted by the store's own purge, not a timer that outlives close().
        clearExpiredByTimeout: false,
        points,
        duration: limits.windowSeconds,
        keyPrefix,
      }),
  );
}
