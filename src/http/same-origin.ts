import type { FastifyRequest } from 'fastify';
import { Forbidden } from './errors.js';

/**
 * Browsers send cached basic-auth credentials with any form post, so a state-changing
 * request authenticated that way must come from this server's own origin. Refused (403):
 * an `Origin` naming another host, `Origin: null` (sandboxed iframes and some redirects
 * send it, so it is a way around the check), an `Origin` that is not a URL, and no `Origin`
 * at all from a client that sends cookies (a browser). Scripts send neither, and pass.
 */
export function checkSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) {
    if (request.headers.cookie === undefined) return;
    throw Forbidden(
      'A state-changing console request with basic auth and cookies must carry an Origin header naming this ' +
        'server. Sign in at /console/login to use a browser, or send no cookies from a script.',
    );
  }
  if (origin === 'null') {
    throw Forbidden('Console requests from an opaque origin (Origin: null) are refused. Open the console page itself.');
  }
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw Forbidden(
      'The Origin header must be a URL like https://host[:port] naming this server; it could not be read.',
    );
  }
  // The Host read as a URL of the Origin's scheme: a default port (":80") is dropped from both alike.
  if (
    !URL.canParse(`${url.protocol}//${request.host}`) ||
    new URL(`${url.protocol}//${request.host}`).host !== url.host
  ) {
    throw Forbidden('Cross-origin form posts to the console are refused.');
  }
}
