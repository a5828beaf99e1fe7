import type { PostgresPool } from './postgres-pool.js';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import { failureLimiterOver, type FailureLimiter, type FailureLimits } from '../failure-limiter.js';

/**
 * Failure counts in the `auth_failures` table (migration 0007), shared by every node on
 * the database. The table is the library's layout; the migration creates it, so the
 * limiter never issues DDL at run time.
 */
export function postgresFailureLimiter(pool: PostgresPool, limits: FailureLimits, nowMs: () => number): FailureLimiter {
  const counting = failureLimiterOver(
    limits,
    (points, keyPrefix) =>
      new RateLimiterPostgres({
        storeClient: pool,
        storeType: 'pool',
        tableName: 'auth_failures',
        tableCreated: true,
        // Expired rows are deleted below, not by a timer that would outlive close().
        clearExpiredByTimeout: false,
        points,
        duration: limits.windowSeconds,
        keyPrefix,
      }),
  );
  // Every failure with a new credential adds a row: every so often, delete a batch of
  // expired ones, so guessing cannot grow the table without bound.
  let sincePurge = 0;
  return {
    recordFailure(address, credentialHash) {
      if (++sincePurge >= purgeEvery) {
        sincePurge = 0;
        pool.query(purgeExpired, [nowMs()]).catch(() => {});
      }
      return counting.recordFailure(address, credentialHash);
    },
  };
}

const purgeEvery = 100;
const purgeExpired = `
  DELETE FROM auth_failures WHERE key IN (SELECT key FROM auth_failures WHERE expire < $1 LIMIT 1000)`;
