import type { FastifyRequest } from 'fastify';
import { hashSecret } from '../security/secrets.js';
import type { FailureLimiter } from '../store/failure-limiter.js';
import { ApiError, TooManyRequests } from './errors.js';

/**
 * Runs a credential check; when it fails with 401, counts the failure for the client's
 * address and for the credential, and past either limit answers 429 (with Retry-After)
 * instead. A correct credential is never counted and never limited.
 */
export async function checkingFailures<T>(
  limiter: FailureLimiter,
  request: FastifyRequest,
  credential: string | undefined,
  check: () => Promise<T>,
): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (!(error instanceof ApiError) || error.statusCode !== 401) throw error;
    const count = await limiter.recordFailure(request.ip, credential ? hashSecret(credential) : undefined);
    if (!count.limited) throw error;
    const seconds = Math.max(1, Math.ceil(count.retryAfterMs / 1000));
    const limited = TooManyRequests(
      `Too many failed authentications from this client or with this credential; try again in ${seconds} s.`,
    );
    limited.retryAfterSeconds = seconds;
    throw limited;
  }
}
