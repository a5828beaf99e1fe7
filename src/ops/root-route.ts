import type { FastifyInstance } from 'fastify';

/** Where `GET /` points: every page and endpoint a newcomer looks for first. */
export const rootLinks = {
  console: '/console',
  api_reference: '/docs',
  openapi: '/openapi.json',
  health: '/healthz',
  readiness: '/readyz',
  metrics: '/metrics',
} as const;

const linkProperties = Object.fromEntries(Object.keys(rootLinks).map((name) => [name, { type: 'string' }]));

/** True when the client asked for a page (a browser's `Accept` names `text/html`). */
const wantsHtml = (accept: string | undefined) => accept !== undefined && /\btext\/html\b/i.test(accept);

/**
 * `GET /`: a browser (`Accept: text/html`) is sent to the console (303); anything else
 * (curl, scripts) gets a JSON index of links (paths on this server) instead of a 404.
 */
export async function rootRoute(app: FastifyInstance, options: { version: string }): Promise<void> {
  const index = JSON.stringify({ name: 'Switchboard', version: options.version, links: rootLinks });
  app.get(
    '/',
    {
      schema: {
        tags: ['Operations'],
        summary: 'Where to go: the console for a browser, else an index of links',
        description:
          'With `Accept: text/html` (a browser) answers 303 to `/console`; otherwise a JSON index of the console, the API reference, the OpenAPI document, health, readiness and metrics.',
        response: {
          200: {
            description: 'The index: paths on this server.',
            type: 'object',
            required: ['name', 'version', 'links'],
            properties: {
              name: { type: 'string' },
              version: { type: 'string' },
              links: { type: 'object', required: Object.keys(rootLinks), properties: linkProperties },
            },
          },
          303: { description: 'To the console (`Location: /console`), for a browser.', type: 'null' },
        },
      },
    },
    async function root(request, reply) {
      if (wantsHtml(request.headers.accept)) return reply.redirect(rootLinks.console, 303);
      // Text, not an object: the same bytes every time, no serializer compiled for it.
      return reply.type('application/json; charset=utf-8').send(index);
    },
  );
}
