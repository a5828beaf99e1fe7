import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ServiceUnavailable } from './errors.js';

/**
 * A body at least this large that is still arriving when the answer goes out is not read
 * to its end: the connection is closed after the answer. Smaller ones are read and dropped
 * (as Node does), so their clients keep the connection and surely read the answer.
 */
export const LARGE_UNREAD_BODY_BYTES = 64 * 1024;

declare module 'fastify' {
  interface FastifyInstance {
    /** Request-body bytes this node has let in and not yet answered (see `installBodyBudget`). */
    bodyBytesInFlight: () => number;
  }
}

/** The bytes a request's body may hold: its Content-Length, else (chunked) its route's limit. */
function declaredBodyBytes(request: FastifyRequest): number {
  const length = request.headers['content-length'];
  if (length !== undefined) {
    const bytes = Number(length);
    return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : 0;
  }
  return request.headers['transfer-encoding'] === undefined ? 0 : request.routeOptions.bodyLimit;
}

/**
 * Caps the request-body bytes this node reads and holds at once (`SWITCHBOARD_BODY_BYTES_IN_FLIGHT`).
 * A request reserves its body's size after its credentials were checked (every
 * authenticated route checks them in `onRequest`, before this `preParsing` hook) and
 * frees it when its answer ends or its connection drops; one that would pass the cap is
 * answered 503 with Retry-After before its body is read. A single body is always let in
 * when nothing else is in flight, so a cap below a route's body limit slows, never blocks.
 *
 * Also: any answer sent before a large body was read (a refused token, a limit, this cap)
 * closes the connection, so Node does not go on reading the body to reuse the connection.
 */
export function installBodyBudget(app: FastifyInstance, maxBytesInFlight: number): void {
  let inFlight = 0;
  app.decorate('bodyBytesInFlight', () => inFlight);
  app.addHook('preParsing', (request, reply, payload, done) => {
    const bytes = declaredBodyBytes(request);
    if (bytes === 0) {
      done(null, payload);
      return;
    }
    if (inFlight > 0 && inFlight + bytes > maxBytesInFlight) {
      const refused = ServiceUnavailable(
        `This node is already reading ${inFlight} bytes of request bodies and this one would pass its limit ` +
          `of ${maxBytesInFlight} (SWITCHBOARD_BODY_BYTES_IN_FLIGHT); nothing was stored. Retry shortly.`,
      );
      refused.retryAfterSeconds = 1;
      done(refused);
      return;
    }
    inFlight += bytes;
    let released = false;
    // 'close' comes once the answer is sent or the connection dropped, whichever is first.
    reply.raw.once('close', () => {
      if (released) return;
      released = true;
      inFlight -= bytes;
    });
    done(null, payload);
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!request.raw.complete && unreadBodyIsLarge(request)) closeAfterAnswer(reply);
    done(null, payload);
  });
}

function unreadBodyIsLarge(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  if (length === undefined) return request.headers['transfer-encoding'] !== undefined;
  return Number(length) >= LARGE_UNREAD_BODY_BYTES;
}

/** `Connection: close`: Node ends the socket once the answer is written, instead of draining the body. */
function closeAfterAnswer(reply: FastifyReply): void {
  reply.header('connection', 'close');
}
