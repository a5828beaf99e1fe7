import type { FastifyBaseLogger } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The header a request's id comes in on (a proxy's) and goes back out on. */
export const requestIdHeader = 'x-request-id';

/** A client's id is kept only when short and plain: 1–128 visible ASCII characters, no spaces. */
const safeRequestId = /^[\x21-\x7e]{1,128}$/;

/**
 * The request's id: the one the client or proxy sent when it is safe to keep (it goes into
 * logs, the response and config history's `actor.request_id`), or else a new one. A long
 * or odd value is replaced, never trimmed: an id is either the caller's or the server's.
 * The one rule for fastify (`genReqId`) and the config-read fast lane.
 */
export function requestIdOf(request: IncomingMessage): string {
  const sent = request.headers[requestIdHeader];
  return typeof sent === 'string' && safeRequestId.test(sent) ? sent : randomUUID();
}

/** The level request lines are written at: `info` (JSON logs), or `debug` (readable development logs). */
export type RequestLineLevel = 'info' | 'debug';

const linesOnAt: Record<RequestLineLevel, Set<string>> = {
  info: new Set(['info', 'debug', 'trace']),
  debug: new Set(['debug', 'trace']),
};

/**
 * The one log line per request: method, path, status and time, never a body (configs,
 * metadata). Not even built when its level is off (benchmarks, quiet production, and
 * development's readable log, which writes requests at `debug`).
 * `log` is the request's own logger (it carries `reqId`), or the app's with `reqId` given.
 */
export function logRequestLine(
  log: FastifyBaseLogger,
  method: string,
  url: string,
  status: number,
  ms: number,
  reqId?: string,
  level: RequestLineLevel = 'info',
): void {
  // Arguments, not an object: nothing is allocated per request while the line is off.
  if (!linesOnAt[level].has(log.level)) return;
  const line = { method, url, status, ms: Math.round(ms * 10) / 10 };
  log[level](reqId === undefined ? line : { reqId, ...line }, 'request');
}
