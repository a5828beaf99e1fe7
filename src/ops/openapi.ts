import swagger from '@fastify/swagger';
import apiReference from '@scalar/fastify-api-reference';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * `/openapi.json`, generated from the route schemas, and a browsable reference at `/docs`
 * (served from the installed package: no network needed).
 */
export async function registerOpenApi(
  app: FastifyInstance,
  version: string,
  /** The `servers` entry: where this request's client reaches the API (see `http/public-url.ts`). */
  publicUrlOf: (request: FastifyRequest) => Promise<string>,
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard',
        version,
        description:
          'Integration configs, wire-compatible with the Zendesk ZIS Configurations API, and channel integration hosting.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'ZIS OAuth access token' },
          adminBasicAuth: { type: 'http', scheme: 'basic', description: '{email}/token:{api_token}' },
        },
      },
    },
  });
  await app.register(apiReference, { routePrefix: '/docs', configuration: { url: '/openapi.json' } });
  app.get('/openapi.json', { schema: { hide: true } }, async function openApiDocument(request) {
    return { ...app.swagger(), servers: [{ url: await publicUrlOf(request) }] };
  });
}
