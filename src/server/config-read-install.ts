import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, Server } from 'node:http';
import type { Principal } from '../http/authenticate.js';
import type { PrincipalCache } from '../http/principal-cache.js';
import { logRequestLine, requestIdOf, type RequestLineLevel } from '../http/request-log.js';
import { configReadFastLane, type FastLaneParts } from '../zis/configs/config-read-fast-lane.js';

/** What the app gives the lane; the rest (ids, log line, closing, Host) is worked out here. */
export interface FastLaneInstall extends Pick<FastLaneParts, 'readConfig' | 'kept' | 'maxPendingReads'> {
  /** The cache the authenticated API's `onRequest` fills: the lane only answers credentials found there. */
  principals: PrincipalCache<Principal>;
  someClientAtLimit: () => boolean;
  baseDomain: string | undefined;
  /** The level of the lane's request lines: the app's. */
  requestLogLevel: RequestLineLevel;
}

/**
 * Puts the config-read fast lane in front of fastify's request handler on `app.server`:
 * each request is offered to the lane first and goes on to fastify when the lane declines.
 * The lane shares the app's request ids, log line, principal cache, closing state and
 * per-client limit (see `config-read-fast-lane.ts`).
 */
export function installConfigReadFastLane(app: FastifyInstance, parts: FastLaneInstall): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  const suffix = parts.baseDomain ? `.${parts.baseDomain.toLowerCase()}` : undefined;
  const { readConfig, kept, maxPendingReads } = parts;
  const lane = configReadFastLane({
    readConfig,
    kept,
    maxPendingReads,
    cachedPrincipal: (authorization) => parts.principals.get(authorization),
    stepAside: () => closing || parts.someClientAtLimit(),
    // Behind a proxy the Host may come from X-Forwarded-Host: the app works that out.
    mayNameAccount: (request: IncomingMessage) =>
      suffix !== undefined &&
      (request.headers['x-forwarded-host'] !== undefined ||
        (request.headers.host ?? '').split(':')[0]!.toLowerCase().endsWith(suffix)),
    requestIdOf,
    logRequest: (reqId, method, url, status, ms) =>
      logRequestLine(app.log, method, url, status, ms, reqId, parts.requestLogLevel),
  });
  const server: Server = app.server;
  const [fastifyHandler] = server.listeners('request') as ((...args: unknown[]) => void)[];
  if (!fastifyHandler) throw new Error('config-read fast lane: the server has no request handler to put it before');
  server.removeListener('request', fastifyHandler);
  server.on('request', (request: IncomingMessage, response) => {
    if (!lane(request, response, () => fastifyHandler(request, response))) fastifyHandler(request, response);
  });
}
