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
]);

/** pg reports a dropped connection or an exhausted pool with plain Errors, told apart by message. */
const unavailableMessage =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable)/;

/** Whether an error means the database cannot be reached, rather than that a statement failed. */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = codeOf(error);
  if (typeof code === 'string' && (unavailableCodes.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  if (unavailableMessage.test(error.message)) return true;
  // Node tries each address of a host name in turn and reports all failures together.
  return error instanceof AggregateError && error.errors.some(isConnectionFailure);
}
