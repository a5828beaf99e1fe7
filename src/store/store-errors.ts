/**
 * The database cannot be reached or stopped answering (connection refused, reset, pool
 * timeout). The HTTP layer answers 503; the request may be retried.
 */
export class StoreUnavailableError extends Error {
  /** The store logs the outage once per change of state (`DatabaseHealth`): no log per request. */
  readonly stateLogged: boolean;

  constructor(cause: unknown, options: { stateLogged?: boolean } = {}) {
    super('The database is unavailable', { cause });
    this.stateLogged = options.stateLogged ?? false;
  }
}
