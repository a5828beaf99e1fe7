// Telling "the database cannot be reached" (answered with 503, retryable) apart from a
// statement that failed.

/** The `code` of a pg or Node error: a SQLSTATE or a socket error name. */
export const codeOf = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;

export const isUniqueViolation = (error: unknown) => codeOf(error) === '23505';

/** Socket errors, and SQLSTATEs that mean the server is going away, starting, or full. */
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '25006', // read_only_sql_transaction: the endpoint is (now) a standby, as in a failover
  '25P03', // idle_in_transaction_session_timeout: the server closed the session
]);

/**
 * pg reports a dropped connection, an exhausted pool and its client-side query timeout with
 * plain Errors, told apart by message.
 */
const unavailableMessage =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Query read timeout)/;

/** pg-pool's acquire timeout while waiting for a busy pool's connection (not while connecting). */
export const isPoolQueueTimeout = (error: unknown): boolean =>
  error instanceof Error && error.message.startsWith('timeout exceeded when trying to connect');

/** The server's own bounds: statement_timeout (57014, query_canceled) and lock_timeout (55P03). */
const serverTimeoutCodes = new Set(['57014', '55P03']);

/** Whether the server cancelled a statement at one of its bounds: retryable, the connection is fine. */
export const isServerTimeout = (error: unknown): boolean => serverTimeoutCodes.has(codeOf(error) as string);

/**
 * Whether an error means the database cannot be reached or its connection is in doubt
 * (closed, timed out, on a read-only server), rather than that a statement failed: the
 * connection is discarded and the request answered 503.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = codeOf(error);
  if (typeof code === 'string' && (unavailableCodes.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  if (unavailableMessage.test(error.message)) return true;
  // Node tries each address of a host name in turn and reports all failures together.
  return error instanceof AggregateError && error.errors.some(isConnectionFailure);
}
