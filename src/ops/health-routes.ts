import type { FastifyInstance } from 'fastify';
import type { Lifecycle, StoreHealth } from '../store/store.js';

const tags = ['Operations'];
const readiness = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ready', 'unavailable'] },
    database: { type: 'string', enum: ['sqlite', 'postgres'] },
  },
} as const;

/** Why a node is not ready, in the 503's `reason`. */
const reasons = {
  timeout: 'the database did not answer within the readiness timeout',
  unreachable: 'the database cannot be reached',
  read_only: 'the database is read-only (a standby, or a read-only database, behind the endpoint)',
  feed_down: 'the LISTEN connection for the change feed is down (the node polls meanwhile)',
} as const;
type Reason = keyof typeof reasons;

/** `/readyz`'s own bound: it answers within it whatever the database does. */
export const readinessTimeoutMs = 1000;

/** Not ready, and why; undefined when ready. */
function notReadyReason(health: StoreHealth | undefined): Reason | undefined {
  if (!health) return 'timeout';
  if (!health.reachable) return 'unreachable';
  if (!health.writable) return 'read_only';
  // A pooler set-up without a LISTEN URL polls by design: ready. A LISTEN connection that is down is not.
  if (health.feed === 'down') return 'feed_down';
  return undefined;
}

/** The store's health, or undefined when it takes longer than `ms`. */
async function healthWithin(store: Lifecycle, ms: number): Promise<StoreHealth | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      store.health(ms).catch(() => ({ reachable: false, writable: false, feed: 'down' }) as const),
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz`: the process is up (liveness). `/readyz`: it can serve, within
 * {@link readinessTimeoutMs}: the database answers, accepts writes, and the change feed's
 * LISTEN connection, when there is one, is up.
 */
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
        summary: 'Readiness: the database answers and accepts writes, the change feed hears',
        response: {
          200: { ...readiness, description: 'Ready.' },
          503: {
            ...readiness,
            properties: {
              ...readiness.properties,
              reason: {
                type: 'string',
                enum: Object.keys(reasons),
                description: Object.entries(reasons)
                  .map(([reason, meaning]) => `\`${reason}\`: ${meaning}`)
                  .join('; '),
              },
            },
            description:
              'Not ready: the database does not answer in time, is read-only, or the LISTEN connection is down.',
          },
        },
      },
    },
    async function readyz(_request, reply) {
      const reason = notReadyReason(await healthWithin(options.store, readinessTimeoutMs));
      if (reason === undefined) return { status: 'ready', database: options.store.dialect };
      return reply.code(503).send({ status: 'unavailable', database: options.store.dialect, reason });
    },
  );
}
