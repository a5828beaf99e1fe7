import type { FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';
import { NotFound } from '../http/errors.js';

/** The console's static files: served by this server, so the console needs no network. */
const assets: Record<string, string> = {
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
};

const cache = new Map<string, Buffer>();

export async function assetRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { name: string } }>('/console/assets/:name', async function consoleAsset(request, reply) {
    const type = Object.hasOwn(assets, request.params.name) ? assets[request.params.name] : undefined;
    if (!type) throw NotFound(`No console asset "${request.params.name}".`);
    let body = cache.get(request.params.name);
    if (!body) {
      body = await readFile(new URL(`./assets/${request.params.name}`, import.meta.url));
      cache.set(request.params.name, body);
    }
    reply.header('cache-control', 'public, max-age=300');
    reply.header('x-content-type-options', 'nosniff');
    return reply.type(type).send(body);
  });
}
