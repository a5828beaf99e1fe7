import type { FastifyInstance, FastifyRequest } from 'fastify';
import { lazySchemaCompilers } from '../http/validators.js';
import { apiReferenceRoutes } from './api-reference.js';
import type { RegisteredRoute } from './route-list.js';
import { whyUndocumented } from './undocumented-routes.js';

const description = `Integration configs, wire-compatible with the Zendesk ZIS Configurations API, and channel integration hosting.

Errors answer in one envelope, \`{"errors": [{"code", "detail", "status"}]}\`, whose \`detail\` says what to fix;
paths under \`/api/v2/\` answer the Support API's \`{"error", "description"}\` instead, as the vendor's do. Besides the
statuses each operation lists, any request can be answered 408 (too slow), 413 (body too large), 429 (too many
requests in flight from one address), 431 (headers too large) or 503 (the database is unavailable).

Paths under \`/api/v2/\` answer with and without \`.json\`, as the vendor's do; this reference lists the \`.json\` spelling.`;

const tags = [
  {
    name: 'ZIS Configurations',
    description: 'The vendor-compatible configs API: ZIS bearer token or admin basic auth.',
  },
  { name: 'ZIS Registry', description: 'Register integrations and get tokens for their OAuth clients.' },
  {
    name: 'ZIS Connections',
    description: 'Connections and OAuth clients of an integration: ZIS bearer token; secrets never returned.',
  },
  { name: 'Support API: OAuth', description: "The vendor's Support API token and client endpoints (admin)." },
  { name: 'Admin tokens', description: "The account's admin API tokens." },
  { name: 'Channel integrations', description: 'Channel-framework integrations registered by manifest URL (admin).' },
  { name: 'Channel instances', description: 'Instances of channel integrations (admin).' },
  { name: 'Pulls', description: 'Pull now, the pull log, threads and resources (admin).' },
  {
    name: 'Exchanges',
    description: "The inspector: an instance's recent exchanges with its integration, with findings (admin).",
  },
  { name: 'Channelback', description: "Agents' replies, sent to the integration's channelback_url." },
  { name: 'Push API', description: "Integrations push resources with an instance's push token." },
  { name: 'Operations', description: 'Health, readiness, metrics and this reference; no credentials.' },
];

/**
 * `/openapi.json`, generated from the route schemas, and a browsable reference at `/docs`
 * (served from the installed package: no network needed). Routes that are not API
 * (`undocumented-routes.ts`) and the bare twins of `/api/v2/….json` paths are left out.
 *
 * The document is built on its first request, not at start-up: `@fastify/swagger` (and the
 * YAML library it loads) then reads the routes the app recorded, registered again on a
 * throwaway fastify instance that never listens.
 */
export async function registerOpenApi(
  app: FastifyInstance,
  version: string,
  /** The `servers` entry: where this request's client reaches the API (see `http/public-url.ts`). */
  publicUrlOf: (request: FastifyRequest) => Promise<string>,
): Promise<void> {
  let built: Promise<object> | undefined;
  await app.register(apiReferenceRoutes, { publicUrlOf });
  app.get(
    '/openapi.json',
    {
      schema: {
        tags: ['Operations'],
        summary: 'This OpenAPI 3.1 document',
        description: 'servers names the base URL this request reached (SWITCHBOARD_PUBLIC_URL behind a proxy).',
        response: { 200: { description: 'The document.', type: 'object', additionalProperties: true } },
      },
    },
    async function openApiDocument(request) {
      // A failed build is not kept: the next request tries again.
      built ??= buildDocument(app.registeredRoutes, version).catch((error: unknown) => {
        built = undefined;
        throw error;
      });
      return { ...(await built), servers: [{ url: await publicUrlOf(request) }] };
    },
  );
}

/** The OpenAPI document of `routes`, as `@fastify/swagger` makes it. */
async function buildDocument(routes: readonly RegisteredRoute[], version: string): Promise<object> {
  const [{ default: swagger }, { default: Fastify }] = await Promise.all([
    import('@fastify/swagger'),
    import('fastify'),
  ]);
  const doc = Fastify({ logger: false, exposeHeadRoutes: false, schemaController: lazySchemaCompilers });
  await doc.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Switchboard', version, description },
      tags,
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'ZIS OAuth access token' },
          adminBasicAuth: { type: 'http', scheme: 'basic', description: '{email}/token:{api_token}' },
        },
      },
    },
    transform: ({ schema, url, route }) => {
      const method = [route.method].flat()[0];
      const jsonTwin = url.startsWith('/api/v2/') && routes.some((r) => r.method === method && r.url === `${url}.json`);
      const hide = whyUndocumented(url) !== undefined || jsonTwin;
      return { schema: hide ? { ...schema, hide: true } : schema, url };
    },
  });
  // HEAD twins are left out of the document, as the plugin leaves them out of the app's.
  const notCalled = async () => undefined;
  for (const route of routes) {
    if (route.method !== 'HEAD')
      doc.route({ method: route.method, url: route.url, schema: route.schema, handler: notCalled });
  }
  await doc.ready();
  try {
    return doc.swagger();
  } finally {
    await doc.close();
  }
}
