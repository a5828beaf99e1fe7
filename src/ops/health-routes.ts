import type { FastifyInstance } from 'fastify';
import type { Lifecycle } from '../store/store.js';

const tags = ['Operations'];
const readiness = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ready', 'unavailable'] },
    database: { type: 'string', enum: ['sqlite', 'postgres'] },
  },
} as const;

/** `/healthz`: the process is up. `/readyz`: it can serve, that is, the database answers. */
export async function healthRoutes(app: FastifyInstance, options: { store: Lifecycle }): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        tags,
        summary: 'Liveness',
        response: {
          200: {
            description: 'The process is up.',
            type: 'object',
            properties: { status: { type: 'string', enum: ['ok'] } },
          },
        },
      },
    },
    // Text, not an object: a load balancer's probe needs no serializer (and the first one
    // after start-up compiles none).
    async function healthz(_request, reply) {
      return reply.type('application/json; charset=utf-8').send('{"status":"ok"}');
    },
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags,
        summary: 'Readiness: the database answers',
        response: {
          200: { ...readiness, description: 'Ready.' },
          503: { ...readiness, description: 'The database does not answer.' },
        },
      },
    },
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
