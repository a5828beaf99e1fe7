import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/store.js';

/** `/healthz`: the process is up. `/readyz`: it can serve, that is, the database answers. */
export async function healthRoutes(app: FastifyInstance, options: { store: Store }): Promise<void> {
  app.get('/healthz', { schema: { tags: ['Operations'], summary: 'Liveness' } }, async function healthz() {
    return { status: 'ok' };
  });

  app.get(
    '/readyz',
    { schema: { tags: ['Operations'], summary: 'Readiness: the database answers' } },
    async function readyz(_request, reply) {
      try {
        await options.store.ping();
        return { status: 'ready', database: options.store.dialect };
      } catch {
        return reply.code(503).send({ status: 'unavailable', database: options.store.dialect });
      }
    },
  );
}
