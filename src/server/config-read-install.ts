import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Principal } from '../http/authenticate.js';
import type { PrincipalCache } from '../http/principal-cache.js';
import type { ConfigRecord, IntegrationKey } from '../store/store.js';
import { configReadFastLane } from '../zis/configs/config-read-fast-lane.js';

export interface FastLaneInstall {
  readConfig: (key: IntegrationKey, scope: string) => ConfigRecord | undefined;
  readEpoch: () => number;
  cacheEntries: number;
  /** The cache the authenticated API's `onRequest` fills: the lane only answers credentials found there. */
  principals: PrincipalCache<Principal>;
  someClientAtLimit: () => boolean;
  baseDomain: string | undefined;
}

const infoLevels = new Set(['info', 'debug', 'trace']);

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
  const lane = configReadFastLane({
    readConfig: parts.readConfig,
    readEpoch: parts.readEpoch,
    cacheEntries: parts.cacheEntries,
    cachedPrincipal: (authorization) => parts.principals.get(authorization),
    stepAside: () => closing || parts.someClientAtLimit(),
    // Behind a proxy the Host may come from X-Forwarded-Host: the app works that out.
    mayNameAccount: (request: IncomingMessage) =>
      suffix !== undefined &&
      (request.headers['x-forwarded-host'] !== undefined ||
        (request.headers.host ?? '').split(':')[0]!.toLowerCase().endsWith(suffix)),
    requestIdOf: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && given !== '' ? given : randomUUID();
    },
    logRequest: (reqId, method, url, status, ms) => {
      if (infoLevels.has(app.log.level)) {
        app.log.info({ reqId, method, url, status, ms: Math.round(ms * 10) / 10 }, 'request');
      }
    },
  });
  const server: Server = app.server;
  const [fastifyHandler] = server.listeners('request') as ((...args: unknown[]) => void)[];
  if (!fastifyHandler) throw new Error('config-read fast lane: the server has no request handler to put it before');
  server.removeListener('request', fastifyHandler);
  server.on('request', (request: IncomingMessage, response) => {
    if (!lane(request, response)) fastifyHandler(request, response);
  });
}
