import type { FastifyBaseLogger } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The header a request's id comes in on (a proxy's) and goes back out on. */
export const requestIdHeader = 'x-request-id';

/** The request's id: the one the client or proxy sent, or a new one (fastify's rule). */
export function requestIdOf(request: IncomingMessage): string {
  return (request.headers[requestIdHeader] as string | undefined) || randomUUID();
}

const lineLevels = new Set(['info', 'debug', 'trace']);

/**
 * The one log line per request: method, path, status and time, never a body (configs,
 * metadata). Not even built when info lines are off (benchmarks, quiet production).
 * `log` is the request's own logger (it carries `reqId`), or the app's with `reqId` given.
 */
export function logRequestLine(
  log: FastifyBaseLogger,
  method: string,
  url: string,
  status: number,
  ms: number,
  reqId?: string,
): void {
  // Arguments, not an object: nothing is allocated per request while the line is off.
  if (!lineLevels.has(log.level)) return;
  const line = { method, url, status, ms: Math.round(ms * 10) / 10 };
  log.info(reqId === undefined ? line : { reqId, ...line }, 'request');
}
