import type { FastifyInstance } from 'fastify';
import { MalformedJson } from '../../http/errors.js';
import { parseJsonBody } from '../../http/strict-json.js';

/**
 * On the ZIS configs endpoints a body is read as JSON whatever its `Content-Type` says, as
 * the vendor reads it: apps in the vendor's browser framework send JSON text as
 * `application/x-www-form-urlencoded; charset=UTF-8` by default, other clients send
 * `text/plain` or no type at all. A body that is not JSON is 400, as before; an empty one
 * is no body. The body limit is the app's, as for every parser.
 *
 * Call it inside the routes' own plugin: it replaces the parsers of that plugin only, so
 * form bodies stay form bodies elsewhere (`/oauth/tokens`, the admin-UI return).
 */
export function readEveryBodyAsJson(app: FastifyInstance): void {
  // A Content-Type that is not even a media type (`json`, empty) would be refused before any
  // parser ran: such a body is read as if it had none.
  app.addHook('onRequest', async (request) => {
    const declared = request.raw.headers['content-type'];
    if (declared !== undefined && !mediaType.test(declared)) delete request.raw.headers['content-type'];
  });
  app.removeAllContentTypeParsers();
  // '*' also takes a body sent without a Content-Type.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, function parseAsJson(request, body, done) {
    const declared = request.headers['content-type'];
    const sentAs =
      declared === undefined || /^application\/json\b/i.test(declared) ? '' : ` (sent as ${declared.slice(0, 100)})`;
    const notJson = (message: string) =>
      MalformedJson(
        `The request body${sentAs} is not valid JSON: ${message}. Send the config as JSON text, whatever the Content-Type.`,
      );
    try {
      done(null, parseJsonBody(body as Buffer, notJson));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/** `type/subtype`, maybe with parameters: what fastify takes for a media type. */
const mediaType = /^\s*[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+\s*(;|$)/;
