import type { FastifyInstance } from 'fastify';
import { MalformedJson } from './errors.js';
import { parseJsonBody } from './strict-json.js';

/**
 * The JSON body parser. Unlike fastify's, an empty body is no body: the vendor's own
 * samples send `Content-Type: application/json` on GET and DELETE without one. Strict: see
 * `parseJsonBody` (invalid UTF-8, lone surrogates, numbers a double would change, duplicate keys).
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  // Plain text is not a way to send a config: let it fail as the wrong content type.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, function parseJson(_request, body, done) {
    try {
      done(
        null,
        parseJsonBody(body as Buffer, (message) => MalformedJson(`The request body is not valid JSON: ${message}.`)),
      );
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
