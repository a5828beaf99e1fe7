import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TooManyRequests } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** While the request holds a slot of the per-client limit: the address it is counted under. */
    countedAddress: string | null;
    /** Frees that slot (the limit's own function, shared by every request). */
    releaseSlot: ((request: FastifyRequest) => void) | null;
  }
}

/**
 * Frees a request's slot before its answer ends: for a long-lived stream (the change feed),
 * which holds a connection but no worker and is capped on its own.
 */
export function releaseClientSlot(request: FastifyRequest): void {
  request.releaseSlot?.(request);
}

/**
 * Caps the requests one client address has in flight at once: past `max`, a request is
 * answered 429 at once instead of queueing behind the others, so one greedy client cannot
 * take every worker of the server. Counted per process, released when the answer is sent
 * (or the connection drops).
 *
 * Cheap on every request: the counted address sits on the request itself (declared up
 * front, so every request object keeps one shape), and `request.ip`, which walks
 * X-Forwarded-For behind a proxy, is worked out once.
 *
 * `someClientAtLimit` tells a handler that answers outside fastify (the config-read fast
 * lane) when it must step aside so that the count, and its 429, apply.
 */
export function limitRequestsPerClient(app: FastifyInstance, max: number): { someClientAtLimit: () => boolean } {
  const inFlight = new Map<string, number>();
  // Clients with `max` requests in flight: while there is one, every request must be counted.
  let clientsAtLimit = 0;
  app.decorateRequest('countedAddress', null);
  app.decorateRequest('releaseSlot', null);
  // Once per request: an aborted request may still get its onResponse, a stream frees its
  // slot early and still ends.
  const done = (request: FastifyRequest) => {
    const ip = request.countedAddress;
    if (ip === null) return;
    request.countedAddress = null;
    request.releaseSlot = null;
    const current = inFlight.get(ip) ?? 0;
    if (current === max) clientsAtLimit--;
    const left = current - 1;
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
    if (count === max) clientsAtLimit++;
    request.countedAddress = ip;
    request.releaseSlot = done;
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
  return { someClientAtLimit: () => clientsAtLimit > 0 };
}
