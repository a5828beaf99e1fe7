import type { FastifyInstance } from 'fastify';
import { NotFound } from '../../http/errors.js';
import type { EventRecord } from '../../store/event-outbox-store.js';
import { idParams, requireAdmin, type ChannelContext } from '../channel-context.js';
import { adminErrors } from '../../http/response-schemas.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** An outbox entry as the API shows it: the event and how its delivery went. */
export function eventRecordJson(event: EventRecord) {
  return {
    id: String(event.id),
    type_id: event.typeId,
    instance_id: event.instanceId,
    status: event.status,
    attempts: event.attempts,
    last_error: event.lastError,
    // Never holds metadata: that is read from the instance when the batch is sent.
    data: JSON.parse(event.dataJson) as unknown,
    created_at: iso(event.createdAt),
    last_attempt_at: iso(event.lastAttemptAt),
    delivered_at: iso(event.deliveredAt),
  };
}

/** Event times carry milliseconds, as the events sent to integrations do. */
const eventTime = { type: 'string', format: 'date-time', examples: ['2024-01-01T00:00:00.000Z'] } as const;
const nullableEventTime = { ...eventTime, type: ['string', 'null'] } as const;

/** `eventRecordJson`'s shape, for the route schema (serialisation and the OpenAPI document). */
const eventRecordSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    type_id: { type: 'string', examples: ['create_integration_instance'] },
    instance_id: { type: ['integer', 'null'] },
    status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    attempts: { type: 'integer' },
    last_error: { type: ['string', 'null'] },
    data: { type: 'object', additionalProperties: true, description: 'Never holds metadata.' },
    created_at: eventTime,
    last_attempt_at: nullableEventTime,
    delivered_at: nullableEventTime,
  },
} as const;

/** The event-callback deliveries of an integration. */
export async function eventRoutes(app: FastifyInstance, context: ChannelContext): Promise<void> {
  app.get<{ Params: { id: number }; Querystring: { limit?: number } }>(
    '/api/switchboard/v1/channel_integrations/:id/events',
    {
      schema: {
        tags: ['Channel integrations'],
        security: [{ adminBasicAuth: [] }],
        summary: 'Event-callback deliveries, newest first',
        description:
          'Each event with its delivery status (pending, delivered, failed), attempts, last error and times. ' +
          'Events of a removed integration stay listed until delivered.',
        params: idParams,
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        },
        response: {
          200: {
            description: 'Events, newest first.',
            type: 'object',
            properties: { events: { type: 'array', items: eventRecordSchema } },
          },
          ...adminErrors(400, 404),
        },
      },
    },
    async function listEventDeliveries(request) {
      const account = requireAdmin(context, request);
      const { id } = request.params;
      const events = await context.channels.listEvents(account.id, id, request.query.limit ?? 100);
      if (events.length === 0 && !(await context.channels.getIntegration(account.id, id))) {
        throw NotFound(`No channel integration ${id}.`);
      }
      return { events: events.map(eventRecordJson) };
    },
  );
}
