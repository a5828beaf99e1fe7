import type { FastifyInstance } from 'fastify';
import { MalformedJson } from './errors.js';

/**
 * The JSON body parser. Unlike fastify's, an empty body is no body: the vendor's own
 * samples send `Content-Type: application/json` on GET and DELETE without one.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  // Plain text is not a way to send a config: let it fail as the wrong content type.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, function parseJson(_request, body, done) {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(MalformedJson(`The request body is not valid JSON: ${(error as Error).message}.`), undefined);
    }
  });
}
