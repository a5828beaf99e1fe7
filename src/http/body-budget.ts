import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ServiceUnavailable } from './errors.js';

/**
 * A body at least this large that is still arriving when the answer goes out is not read
 * to its end: the connection is closed after the answer. Smaller ones are read and dropped
 * (as Node does), so their clients keep the connection and surely read the answer.
 */
export const LARGE_UNREAD_BODY_BYTES = 64 * 1024;

/** How long a connection closed on an unread body stays open for its client to read the answer. */
export const LINGER_MS = 2000;

/**
 * The share of the budget that requests whose credentials travel in the body (the OAuth
 * token grant, the console login, the admin-UI return form) may hold together, so that
 * unauthenticated senders cannot take the whole budget from authenticated ones.
 */
export const UNCHECKED_SHARE = 0.25;

declare module 'fastify' {
  interface FastifyInstance {
    /** Request-body bytes this node has let in and not yet answered (see `installBodyBudget`). */
    bodyBytesInFlight: () => number;
  }
  interface FastifyRequest {
    /** Set by an `onRequest` hook that checked the request's credentials from its headers. */
    credentialsChecked: boolean;
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
 * A request reserves its body's size after its credentials were checked (every route
 * that takes them in headers checks them in `onRequest`, before this `preParsing` hook,
 * and marks `credentialsChecked`) and frees it when its answer ends or its connection
 * drops; one that would pass the cap is answered 503 with Retry-After before its body is
 * read. Requests not so marked hold at most a quarter of the cap together. A single body
 * is always let in when nothing else is in flight, so a cap below a body limit slows, never blocks.
 *
 * Also: any answer sent before a large body was read (a refused token, a limit, this cap)
 * closes the connection, so Node does not go on reading the body to reuse the connection.
 */
export function installBodyBudget(app: FastifyInstance, maxBytesInFlight: number): void {
  let inFlight = 0;
  // Of which: bodies of requests whose credentials were not checked before the body.
  let uncheckedInFlight = 0;
  const maxUnchecked = Math.floor(maxBytesInFlight * UNCHECKED_SHARE);
  app.decorate('bodyBytesInFlight', () => inFlight);
  app.decorateRequest('credentialsChecked', false);
  app.addHook('preParsing', (request, reply, payload, done) => {
    const bytes = declaredBodyBytes(request);
    if (bytes === 0) {
      done(null, payload);
      return;
    }
    const checked = request.credentialsChecked;
    const over = checked
      ? inFlight > 0 && inFlight + bytes > maxBytesInFlight
      : (inFlight > 0 && inFlight + bytes > maxBytesInFlight) ||
        (uncheckedInFlight > 0 && uncheckedInFlight + bytes > maxUnchecked);
    if (over) {
      const refused = ServiceUnavailable(
        `This node is already reading ${inFlight} bytes of request bodies and this one would pass its limit ` +
          `(SWITCHBOARD_BODY_BYTES_IN_FLIGHT: ${maxBytesInFlight}, a quarter of it for bodies that carry their ` +
          'own credentials); nothing was stored. Retry shortly.',
      );
      refused.retryAfterSeconds = 1;
      done(refused);
      return;
    }
    inFlight += bytes;
    if (!checked) uncheckedInFlight += bytes;
    let released = false;
    // 'close' comes once the answer is sent or the connection dropped, whichever is first.
    reply.raw.once('close', () => {
      if (released) return;
      released = true;
      inFlight -= bytes;
      if (!checked) uncheckedInFlight -= bytes;
    });
    done(null, payload);
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!request.raw.complete && unreadBodyIsLarge(request)) closeAfterAnswer(reply, request.raw.socket);
    done(null, payload);
  });
}

function unreadBodyIsLarge(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  if (length === undefined) return request.headers['transfer-encoding'] !== undefined;
  return Number(length) >= LARGE_UNREAD_BODY_BYTES;
}

/**
 * `Connection: close`, so Node ends the socket once the answer is written instead of
 * reading the body to reuse the connection, and a lingering close in place of Node's
 * immediate one: closing a socket with unread bytes sends a reset, and a client still
 * sending its body then often loses the answer already in its receive buffer (a
 * connection reset instead of the 401 or 413 that says what to fix). So the answer and
 * FIN go out, the socket stops reading (the unread body waits in the kernel's buffers,
 * not this process's memory, and the sender soon stalls), and it is destroyed
 * {@link LINGER_MS} later, when the client has read the answer.
 */
function closeAfterAnswer(reply: FastifyReply, socket: Socket): void {
  reply.header('connection', 'close');
  // Node calls destroySoon once the answer with `Connection: close` is written.
  socket.destroySoon = function lingeringClose(this: Socket) {
    this.end();
    this.pause();
    // Node resumes the socket to discard the unread body (`req._dump()`); it stays paused.
    this.resume = () => this;
    setTimeout(() => this.destroy(), LINGER_MS).unref();
  };
}
