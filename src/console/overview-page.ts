import type { FastifyInstance } from 'fastify';
import type { ConsoleContext } from './console-context.js';
import { renderPage } from './render.js';
import { adminOf, viewerOf } from './signed-in.js';

/** `/console`: what the account holds, and the instances that need attention. */
export async function overviewPage(app: FastifyInstance, context: ConsoleContext): Promise<void> {
  const { store } = context;
  const { channels } = context.channel;
  app.get('/console', async function consoleOverview(request, reply) {
    const account = adminOf(request).account;
    const [integrations, channelIntegrations, instances] = await Promise.all([
      store.listIntegrations(account.id),
      channels.listIntegrations(account.id),
      channels.listInstances(account.id),
    ]);
    const attention = instances.filter((i) => !i.active || i.consecutiveFailures > 0);
    const names = new Map(channelIntegrations.map((i) => [i.id, i.name]));
    return renderPage(
      reply,
      'overview',
      { title: 'Overview', section: 'overview', viewer: viewerOf(request) },
      {
        counts: {
          integrations: integrations.length,
          channelIntegrations: channelIntegrations.length,
          instances: instances.length,
          active: instances.filter((i) => i.active).length,
        },
        attention: attention.map((i) => ({ ...i, integrationName: names.get(i.integrationId) ?? '' })),
      },
    );
  });
}
