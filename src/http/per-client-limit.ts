import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TooManyRequests } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The address this request is counted under while it is in flight (per-client limit). */
    countedAddress: string | null;
  }
}

/**
 * Caps the requests one client address has in flight at once: past `max`, a request is
 * answered 429 at once instead of queueing behind the others, so one greedy client cannot
 * take every worker of the server. Counted per process, released when the answer is sent
 * (or the connection drops).
 */
export function limitRequestsPerClient(app: FastifyInstance, max: number): void {
  const inFlight = new Map<string, number>();
  // Declared up front, so every request object has the same shape.
  app.decorateRequest('countedAddress', null);
  // Once per request: an aborted request may still get its onResponse. The address is
  // kept on the request, so `request.ip` (which walks X-Forwarded-For behind a proxy) is
  // worked out once.
  const done = (request: FastifyRequest) => {
    const ip = request.countedAddress;
    if (ip === null) return;
    request.countedAddress = null;
    const left = (inFlight.get(ip) ?? 1) - 1;
    if (left <= 0) inFlight.delete(ip);
    else inFlight.set(ip, left);
  };
  app.addHook('onRequest', (request: FastifyRequest, _reply, next) => {
    const ip = request.ip;
    const count = (inFlight.get(ip) ?? 0) + 1;
    if (count > max) {
      next(TooManyRequests(`This client already has ${max} requests in flight; wait for some to finish.`));
      return;
    }
    inFlight.set(ip, count);
    request.countedAddress = ip;
    next();
  });
  app.addHook('onResponse', (request: FastifyRequest, _reply, next) => {
    done(request);
    next();
  });
  app.addHook('onRequestAbort', (request: FastifyRequest, next) => {
    done(request);
    next();
  });
}
