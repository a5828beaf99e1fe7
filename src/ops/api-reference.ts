import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * `/docs`: Swagger UI (the `swagger-ui-dist` package's static files) reading `/openapi.json`.
 * Everything it loads comes from this server: no fonts, scripts or validator badge from
 * elsewhere, so it works with no network. The 1.7 MB bundle is read on the first request
 * for it, not at start, and then kept in memory.
 */

/** The files the page loads, by the name under /docs/. */
const assets: Record<string, { file: string; type: string }> = {
  'swagger-ui.css': { file: 'swagger-ui.css', type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'text/javascript; charset=utf-8' },
};

// Our own start-up script (a file, not inline, so the page's CSP can refuse inline scripts).
// validatorUrl null: no badge fetched from the validator's site.
const startScript = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
});
`;

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/swagger-ui.css">
<style>body { margin: 0; font-family: system-ui, sans-serif; }</style>
</head>
<body>
<main id="swagger-ui" aria-label="Switchboard API reference"></main>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/start.js"></script>
</body>
</html>
`;

const cache = new Map<string, Buffer>();

/** The package files read so far (none until the first request for one): for the test that says so. */
export const loadedReferenceFiles = (): string[] => [...cache.keys()];

async function assetBytes(file: string): Promise<Buffer> {
  let bytes = cache.get(file);
  if (!bytes) {
    // Resolved on first use: a server that never serves /docs never touches the package.
    const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
    bytes = await readFile(join(dir, file));
    cache.set(file, bytes);
  }
  return bytes;
}

/** Only this server: any request elsewhere (a font, a badge, a script) is refused by the browser too. */
function sendPage(reply: FastifyReply, connectTo: string) {
  return reply
    .header(
      'content-security-policy',
      `default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self' ${connectTo}; ` +
        "frame-ancestors 'none'; base-uri 'none'",
    )
    .type('text/html; charset=utf-8')
    .send(page);
}

export async function apiReferenceRoutes(
  app: FastifyInstance,
  options: { publicUrlOf: (request: FastifyRequest) => Promise<string> },
): Promise<void> {
  app.get(
    '/docs',
    {
      schema: {
        tags: ['Operations'],
        summary: 'This API reference, as a page',
        description: 'Swagger UI reading /openapi.json; every file it loads comes from this server.',
        response: { 200: { description: 'An HTML page.', content: { 'text/html': { schema: { type: 'string' } } } } },
      },
    },
    async function apiReferencePage(request, reply) {
      return sendPage(reply, await options.publicUrlOf(request));
    },
  );
  app.get('/docs/', async function apiReferencePageSlash(request, reply) {
    return sendPage(reply, await options.publicUrlOf(request));
  });
  app.get('/docs/start.js', async function apiReferenceStart(_request, reply) {
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(startScript);
  });
  app.get<{ Params: { file: string } }>('/docs/:file', async function apiReferenceAsset(request, reply) {
    const asset = assets[request.params.file];
    if (!asset) return reply.callNotFound();
    return reply
      .type(asset.type)
      .header('cache-control', 'public, max-age=86400')
      .send(await assetBytes(asset.file));
  });
}
