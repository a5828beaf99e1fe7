import type { FastifyInstance } from 'fastify';
import { NotFound } from '../../http/errors.js';
import { positiveId } from '../../http/id-schemas.js';
import { adminErrors } from '../../http/response-schemas.js';
import type { ExchangeScope, ExchangeStore } from '../../store/exchange-store.js';
import { idParams, requireAdmin, type ChannelContext } from '../channel-context.js';
import { exchangeJson, exchangeSchema, exchangeSummaryJson, exchangeSummarySchema } from './exchange-json.js';

const base = '/api/switchboard/v1/instances/:id/exchanges';
const tags = ['Exchanges'];
const security = [{ adminBasicAuth: [] }];

/** The inspector's read side: an instance's exchanges (and its integration's own), newest first, and one with its bodies. */
export async function exchangeRoutes(
  app: FastifyInstance,
  context: ChannelContext & { exchanges: ExchangeStore },
): Promise<void> {
  const { channels, exchanges } = context;
  const scopeOf = async (accountId: number, id: number): Promise<ExchangeScope> => {
    const instance = await channels.getInstance(accountId, id);
    if (!instance) throw NotFound(`No instance ${id}.`);
    return { accountId, instanceId: instance.id, integrationId: instance.integrationId };
  };

  app.get<{ Params: { id: number }; Querystring: { limit?: number; before_id?: number } }>(
    base,
    {
      schema: {
        tags,
        security,
        summary: "An instance's exchanges with its integration, newest first",
        description:
          "Pulls and channelbacks of the instance, with its integration's manifest fetches and event batches, as " +
          'SWITCHBOARD_INSPECTOR_EXCHANGES keeps them (a ring of the newest; in production by default only failed ' +
          'exchanges and those with findings). Without bodies: read one exchange for them. Page with before_id.',
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            before_id: {
              ...positiveId,
              description: "Only exchanges older than this id: the previous page's next_before_id.",
            },
          },
        },
        response: {
          200: {
            description: 'Exchanges, newest first.',
            type: 'object',
            properties: {
              exchanges: { type: 'array', items: exchangeSummarySchema },
              next_before_id: {
                type: ['integer', 'null'],
                description: 'Pass as before_id for the next page; null on the last page.',
              },
            },
          },
          ...adminErrors(400, 404),
        },
      },
    },
    async function listExchanges(request) {
      const account = requireAdmin(context, request);
      const scope = await scopeOf(account.id, request.params.id);
      const limit = request.query.limit ?? 50;
      // One more than asked: whether a next page exists without a second query.
      const page = await exchanges.listExchanges(scope, { beforeId: request.query.before_id, limit: limit + 1 });
      const shown = page.slice(0, limit);
      return {
        exchanges: shown.map(exchangeSummaryJson),
        next_before_id: page.length > limit ? (shown.at(-1)?.id ?? null) : null,
      };
    },
  );

  app.get<{ Params: { id: number; exchangeId: number }; Querystring: { include?: string } }>(
    `${base}/:exchangeId`,
    {
      schema: {
        tags,
        security,
        summary: 'One exchange, with its request and answer',
        description:
          'Bodies are cut at 64 KB. Metadata, state and tokens in them are redacted unless include=metadata.',
        params: {
          type: 'object',
          required: ['id', 'exchangeId'],
          properties: { id: positiveId, exchangeId: positiveId },
        },
        querystring: { type: 'object', properties: { include: { type: 'string', enum: ['metadata'] } } },
        response: {
          200: { description: 'The exchange.', type: 'object', properties: { exchange: exchangeSchema } },
          ...adminErrors(400, 404),
        },
      },
    },
    async function showExchange(request, reply) {
      const account = requireAdmin(context, request);
      const scope = await scopeOf(account.id, request.params.id);
      const exchange = await exchanges.getExchange(scope, request.params.exchangeId);
      if (!exchange) throw NotFound(`Instance ${request.params.id} has no exchange ${request.params.exchangeId}.`);
      const reveal = request.query.include === 'metadata';
      if (reveal) void reply.header('cache-control', 'no-store');
      return { exchange: exchangeJson(exchange, { reveal }) };
    },
  );
}
