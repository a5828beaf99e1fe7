import type { RateLimiterAbstract } from 'rate-limiter-flexible';

/** How many failed authentications a key may have in a window before it is answered 429. */
export interface FailureLimits {
  /** Failures per client address per window. */
  perAddress: number;
  /** Failures per presented credential (by its hash) per window. */
  perCredential: number;
  windowSeconds: number;
}

/** The outcome of counting one failure. */
export interface FailureCount {
  /** Past the limit: answer 429, not 401. */
  limited: boolean;
  /** When the key may try again, ms from now (0 when not limited). */
  retryAfterMs: number;
}

/**
 * Counts failed authentications, per client address and per credential. Only failures
 * are counted, so a correct credential is never slowed. On PostgreSQL every node shares
 * the counts (one table); on SQLite (one process) they are kept in memory.
 */
export interface FailureLimiter {
  /** Counts a failure for the address and the credential; `limited` when either is past its limit. */
  recordFailure(address: string, credentialHash: string | undefined): Promise<FailureCount>;
}

/** A FailureLimiter over two rate-limiter-flexible limiters (one per key kind). */
export function failureLimiterOver(
  limits: FailureLimits,
  make: (points: number, keyPrefix: string) => RateLimiterAbstract,
  onError: (error: unknown) => void = () => {},
): FailureLimiter {
  const byAddress = make(limits.perAddress, 'auth-fail-address');
  const byCredential = make(limits.perCredential, 'auth-fail-credential');
  const count = async (limiter: RateLimiterAbstract, points: number, key: string) => {
    const result = await limiter.penalty(key, 1);
    return result.consumedPoints > points ? result.msBeforeNext : 0;
  };
  return {
    async recordFailure(address, credentialHash) {
      try {
        const waits = await Promise.all([
          count(byAddress, limits.perAddress, address),
          credentialHash === undefined ? 0 : count(byCredential, limits.perCredential, credentialHash),
        ]);
        const retryAfterMs = Math.max(...waits);
        return { limited: retryAfterMs > 0, retryAfterMs };
      } catch (error) {
        // The limiter's store is down: answer 401 as before rather than fail the request.
        onError(error);
        return { limited: false, retryAfterMs: 0 };
      }
    },
  };
}

/**
 * Counts in this process's memory: for SQLite, where one process serves the database. The
 * limiter package is loaded on the first failure, not at start-up (most runs see none).
 */
export function memoryFailureLimiter(limits: FailureLimits): FailureLimiter {
  let limiter: Promise<FailureLimiter> | undefined;
  return {
    async recordFailure(address, credentialHash) {
      limiter ??= import('rate-limiter-flexible').then(({ RateLimiterMemory }) =>
        failureLimiterOver(
          limits,
          (points, keyPrefix) => new RateLimiterMemory({ points, duration: limits.windowSeconds, keyPrefix }),
        ),
      );
      return (await limiter).recordFailure(address, credentialHash);
    },
  };
}
