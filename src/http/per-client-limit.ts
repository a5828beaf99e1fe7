import type { FastifyInstance } from 'fastify';
import { TooManyRequests } from './errors.js';

/** Per raw request: frees its slot (once). */
const releasers = new WeakMap<object, () => void>();

/**
 * Frees a request's slot before its answer ends: for a long-lived stream (the change feed),
 * which holds a connection but no worker and is capped on its own.
 */
export function releaseClientSlot(raw: object): void {
  releasers.get(raw)?.();
  releasers.delete(raw);
}

/**
 * Caps the requests one client address has in flight at once: past `max`, a request is
 * answered 429 at once instead of queueing behind the others, so one greedy client cannot
 * take every worker of the server. Counted per process, released when the answer is sent
 * (or the connection drops).
 */
export function limitRequestsPerClient(app: FastifyInstance, max: number): void {
  const inFlight = new Map<string, number>();
  const release = (ip: string) => {
    const left = (inFlight.get(ip) ?? 1) - 1;
    if (left <= 0) inFlight.delete(ip);
    else inFlight.set(ip, left);
  };
  const counted = new WeakSet<object>();
  const done = (request: { ip: string; raw: object }) => {
    // Once per request: an aborted request may still get its onResponse.
    if (counted.delete(request.raw)) release(request.ip);
  };
  app.addHook('onRequest', (request, _reply, next) => {
    const count = (inFlight.get(request.ip) ?? 0) + 1;
    if (count > max) {
      next(TooManyRequests(`This client already has ${max} requests in flight; wait for some to finish.`));
      return;
    }
    inFlight.set(request.ip, count);
    counted.add(request.raw);
    releasers.set(request.raw, () => done(request));
    next();
  });
  app.addHook('onResponse', (request, _reply, next) => {
    done(request);
    next();
  });
  app.addHook('onRequestAbort', (request, next) => {
    done(request);
    next();
  });
}
