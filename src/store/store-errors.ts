/**
 * The database cannot be reached or stopped answering (connection refused, reset, pool
 * timeout). The HTTP layer answers 503; the request may be retried.
 */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('The database is unavailable', { cause });
  }
}
