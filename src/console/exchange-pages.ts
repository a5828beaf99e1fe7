import type { FastifyInstance, FastifyRequest } from 'fastify';
import { exchangeJson, exchangeSummaryJson } from '../channels/inspector/exchange-json.js';
import { NotFound } from '../http/errors.js';
import type { ConsoleContext } from './console-context.js';
import { field, positiveInt } from './forms.js';
import { renderPage } from './render.js';
import { adminOf, viewerOf } from './signed-in.js';

type IdParams = { Params: { id: string }; Querystring: Record<string, string> };
type ExchangeParams = { Params: { id: string; exchangeId: string }; Querystring: Record<string, string> };
const pageSize = 50;

/**
 * The inspector in the console: an instance's exchanges with its integration (its pulls and
 * channelbacks, its integration's manifest fetches and event batches), newest first, and one
 * exchange with its request and answer. Metadata, state and tokens in the bodies are shown
 * only on request, as the instance page's metadata.
 */
export async function exchangePages(app: FastifyInstance, context: ConsoleContext): Promise<void> {
  const { channels } = context.channel;
  const { exchanges } = context.store;
  const scopeOf = async (request: FastifyRequest<IdParams>) => {
    const account = adminOf(request).account;
    const id = positiveInt(request.params.id);
    const instance = id === undefined ? undefined : await channels.getInstance(account.id, id);
    if (!instance) throw NotFound(`There is no instance ${request.params.id} on this account.`);
    return {
      instance,
      scope: { accountId: account.id, instanceId: instance.id, integrationId: instance.integrationId },
    };
  };
  const trailOf = (instance: { id: number; name: string }): [string, string][] => [
    ['Instances', '/console/instances'],
    [instance.name, `/console/instances/${instance.id}`],
  ];

  app.get<IdParams>('/console/instances/:id/exchanges', async function consoleExchanges(request, reply) {
    const { instance, scope } = await scopeOf(request);
    const before = positiveInt(field(request.query, 'before') ?? '');
    const page = await exchanges.listExchanges(scope, { beforeId: before, limit: pageSize + 1 });
    const shown = page.slice(0, pageSize).map(exchangeSummaryJson);
    return renderPage(
      reply,
      'instances/exchanges',
      {
        title: `Exchanges of ${instance.name}`,
        section: 'instances',
        viewer: viewerOf(request),
        trail: trailOf(instance),
      },
      {
        instance,
        exchanges: shown,
        older: page.length > pageSize ? shown.at(-1)?.id : undefined,
        paged: before !== undefined,
      },
    );
  });

  app.get<ExchangeParams>(
    '/console/instances/:id/exchanges/:exchangeId',
    async function consoleExchange(request, reply) {
      const { instance, scope } = await scopeOf(request);
      const exchangeId = positiveInt(request.params.exchangeId);
      const exchange = exchangeId === undefined ? undefined : await exchanges.getExchange(scope, exchangeId);
      if (!exchange) throw NotFound(`Instance ${instance.id} has no exchange ${request.params.exchangeId}.`);
      const reveal = field(request.query, 'show') === 'metadata';
      if (reveal) reply.header('cache-control', 'no-store');
      return renderPage(
        reply,
        'instances/exchange',
        {
          title: `Exchange ${exchange.id}`,
          section: 'instances',
          viewer: viewerOf(request),
          trail: [...trailOf(instance), ['Exchanges', `/console/instances/${instance.id}/exchanges`]],
        },
        { instance, exchange: exchangeJson(exchange, { reveal }), reveal },
      );
    },
  );
}
