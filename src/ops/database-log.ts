import type { FastifyBaseLogger } from 'fastify';
import type { DatabaseHealth } from '../store/database-health.js';

/**
 * Logs the database's outages once per change of state: a warning when requests begin to
 * fail for want of it, an info line when one succeeds again (with how long and how many
 * failed meanwhile), and the store's start-up warnings. Returns the unsubscribe.
 */
export function logDatabaseHealth(health: DatabaseHealth, log: FastifyBaseLogger): () => void {
  const offChange = health.onChange((change) => {
    if (!change.available)
      log.warn({ reason: change.reason }, 'database unavailable: requests answer 503 until it is back');
    else {
      log.info(
        { unavailable_ms: change.unavailableMs, failed_operations: change.failures },
        'database available again',
      );
    }
  });
  const offWarning = health.onWarning((warning) => log.warn(warning));
  return () => {
    offChange();
    offWarning();
  };
}
