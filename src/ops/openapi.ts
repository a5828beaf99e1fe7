import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

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
  registerLazyReference(app);
  app.get('/openapi.json', { schema: { hide: true } }, async function openApiDocument(request) {
    return { ...app.swagger(), servers: [{ url: await publicUrlOf(request) }] };
  });
}

/**
 * `/docs`: the reference UI's package holds a 4 MB script, and loading it took longer than
 * the rest of start-up together. It is imported on the first `/docs` request, into a small
 * fastify instance of its own that `/docs` requests are passed to.
 */
function registerLazyReference(app: FastifyInstance): void {
  let reference: Promise<FastifyInstance> | undefined;
  const load = async () => {
    const { default: apiReference } = await import('@scalar/fastify-api-reference');
    const inner = Fastify({ logger: false });
    await inner.register(apiReference, { routePrefix: '/docs', configuration: { url: '/openapi.json' } });
    await inner.ready();
    return inner;
  };
  const handler = async function docs(request: FastifyRequest, reply: FastifyReply) {
    // A failed load is tried again by the next request.
    reference ??= load().catch((error: unknown) => {
      reference = undefined;
      throw error;
    });
    const answer = await (
      await reference
    ).inject({
      method: 'GET',
      url: request.url,
      headers: { host: request.headers.host ?? 'localhost', 'x-forwarded-proto': request.protocol },
    });
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !['content-length', 'connection', 'date', 'keep-alive'].includes(name)) {
        reply.header(name, value);
      }
    }
    return reply.code(answer.statusCode).send(answer.rawPayload);
  };
  for (const url of ['/docs', '/docs/', '/docs/*']) app.get(url, { schema: { hide: true } }, handler);
  app.addHook('onClose', async () => {
    if (reference) await (await reference.catch(() => undefined))?.close();
  });
}
