import type { FastifyInstance } from 'fastify';
import { TooManyRequests } from './errors.js';

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
  app.addHook('onRequest', (request, reply, done) => {
    const ip = request.ip;
    const count = (inFlight.get(ip) ?? 0) + 1;
    if (count > max) {
      done(TooManyRequests(`This client already has ${max} requests in flight; wait for some to finish.`));
      return;
    }
    inFlight.set(ip, count);
    let released = false;
    const once = () => {
      if (!released) {
        released = true;
        release(ip);
      }
    };
    reply.raw.once('finish', once);
    reply.raw.once('close', once);
    done();
  });
}
