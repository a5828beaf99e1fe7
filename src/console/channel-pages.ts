import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { eventRecordJson } from '../channels/events/event-routes.js';
import { registerByManifest, rereadManifest } from '../channels/integrations/manage-integration.js';
import { storedManifest } from '../channels/integrations/stored-manifest.js';
import { ApiError, NotFound } from '../http/errors.js';
import type { ConsoleContext } from './console-context.js';
import { field, positiveInt } from './forms.js';
import { redirectAfterPost, renderPage } from './render.js';
import { adminOf, viewerOf } from './signed-in.js';

type IdParams = { Params: { id: string } };
const trail: [string, string][] = [['Channel integrations', '/console/channel_integrations']];
const integrationPath = (id: number) => `/console/channel_integrations/${id}`;
/** Events per page of an integration's event deliveries. */
const eventPageSize = 50;

/**
 * Channel integrations: list, register by manifest URL, re-read, remove; each with its
 * manifest, URLs, instances and event deliveries (paged, each with its payload). Registering and re-reading go through
 * the same functions as the API (`channels/integrations/manage-integration.ts`).
 */
export async function channelPages(app: FastifyInstance, context: ConsoleContext): Promise<void> {
  const channel = context.channel;
  const { channels } = channel;
  const integrationOf = async (request: FastifyRequest<IdParams>) => {
    const account = adminOf(request).account;
    const id = positiveInt(request.params.id);
    const integration = id === undefined ? undefined : await channels.getIntegration(account.id, id);
    if (!integration) throw NotFound(`There is no channel integration ${request.params.id} on this account.`);
    return integration;
  };

  const listPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    form: { manifestUrl: string; error?: string; status?: number } = { manifestUrl: '' },
  ) => {
    const account = adminOf(request).account;
    const [integrations, instances] = await Promise.all([
      channels.listIntegrations(account.id),
      channels.listInstances(account.id),
    ]);
    const rows = integrations.map((integration) => ({
      ...integration,
      instances: instances.filter((i) => i.integrationId === integration.id).length,
    }));
    return renderPage(
      reply,
      'channels/list',
      {
        title: 'Channel integrations',
        section: 'channels',
        viewer: viewerOf(request),
        status: form.status,
      },
      { rows, ...form },
    );
  };

  app.get('/console/channel_integrations', async function consoleChannelIntegrations(request, reply) {
    return listPage(request, reply);
  });

  app.post('/console/channel_integrations', async function consoleRegisterChannel(request, reply) {
    const account = adminOf(request).account;
    const manifestUrl = field(request.body, 'manifest_url').trim();
    let registered;
    try {
      registered = await registerByManifest(channel, account.id, manifestUrl);
    } catch (error) {
      // The manifest could not be read or is invalid: say why, keep the URL in the form.
      if (error instanceof ApiError && error.statusCode < 500) {
        return listPage(request, reply, {
          manifestUrl,
          error: `Not registered: ${error.detail}`,
          status: error.statusCode,
        });
      }
      throw error;
    }
    const { integration, signingSecret } = registered;
    return renderPage(
      reply,
      'secret',
      { title: `Registered ${integration.name}`, section: 'channels', viewer: viewerOf(request), trail, status: 201 },
      {
        lead:
          `"${integration.name}" is registered. Give the integration its signing secret: it checks ` +
          'X-Switchboard-Signature on every request with it. The secret is derived from the server key; it is shown here.',
        facts: [
          ['Integration id', String(integration.id)],
          ['Manifest URL', integration.manifestUrl],
        ],
        secretLabel: 'Signing secret',
        secret: signingSecret,
        links: [[`Open ${integration.name}`, integrationPath(integration.id)]],
      },
    );
  });

  app.get<IdParams>('/console/channel_integrations/:id', async function consoleChannelIntegration(request, reply) {
    const integration = await integrationOf(request);
    const instances = await channels.listInstances(integration.accountId, { integrationId: integration.id });
    const manifest = storedManifest(integration);
    return renderPage(
      reply,
      'channels/show',
      { title: integration.name, section: 'channels', viewer: viewerOf(request), trail },
      {
        integration,
        instances,
        urls: Object.entries(manifest.urls).map(([key, url]) => [key, url.href]),
        manifestText: JSON.stringify(manifest, null, 2),
      },
    );
  });

  app.post<IdParams>('/console/channel_integrations/:id/refresh', async function consoleRereadManifest(request, reply) {
    const account = adminOf(request).account;
    const id = positiveInt(request.params.id);
    if (id === undefined) throw NotFound(`There is no channel integration ${request.params.id} on this account.`);
    const updated = await rereadManifest(channel, account.id, id);
    return redirectAfterPost(reply, integrationPath(updated.id), `Re-read the manifest of ${updated.name}.`);
  });

  app.get<IdParams>('/console/channel_integrations/:id/remove', async function consoleConfirmRemove(request, reply) {
    const integration = await integrationOf(request);
    return renderPage(
      reply,
      'confirm',
      { title: `Remove ${integration.name}?`, section: 'channels', viewer: viewerOf(request), trail },
      {
        message: `"${integration.name}" and all its instances, threads and pull logs will be removed. This cannot be undone.`,
        action: `${integrationPath(integration.id)}/remove`,
        fields: {},
        confirm: 'Remove integration',
        cancel: integrationPath(integration.id),
      },
    );
  });

  app.post<IdParams>('/console/channel_integrations/:id/remove', async function consoleRemoveChannel(request, reply) {
    const integration = await integrationOf(request);
    if (!(await channels.deleteIntegration(integration.accountId, integration.id, channel.nowMs()))) {
      throw NotFound(`There is no channel integration ${integration.id}; it may have been removed already.`);
    }
    return redirectAfterPost(reply, '/console/channel_integrations', `Removed ${integration.name}.`);
  });

  app.get<IdParams & { Querystring: Record<string, string> }>(
    '/console/channel_integrations/:id/events',
    async function consoleEventDeliveries(request, reply) {
      const integration = await integrationOf(request);
      const before = positiveInt(field(request.query, 'before'));
      const rows = await context.store.activity.listEventsBefore(integration.accountId, integration.id, {
        beforeId: before,
        limit: eventPageSize + 1,
      });
      const events = rows.slice(0, eventPageSize).map(eventRecordJson);
      return renderPage(
        reply,
        'channels/events',
        {
          title: `Event deliveries of ${integration.name}`,
          section: 'channels',
          viewer: viewerOf(request),
          trail: [...trail, [integration.name, integrationPath(integration.id)]],
        },
        {
          integration,
          events,
          before,
          next: rows.length > eventPageSize ? events.at(-1)!.id : undefined,
          hasCallback: storedManifest(integration).urls.event_callback_url !== undefined,
        },
      );
    },
  );

  app.get<{ Params: { id: string; eventId: string } }>(
    '/console/channel_integrations/:id/events/:eventId',
    async function consoleEvent(request, reply) {
      const integration = await integrationOf(request);
      const eventId = positiveInt(request.params.eventId);
      const event =
        eventId === undefined
          ? undefined
          : await context.store.activity.getEvent(integration.accountId, integration.id, eventId);
      if (!event) throw NotFound(`There is no event ${request.params.eventId} of ${integration.name}.`);
      const json = eventRecordJson(event);
      return renderPage(
        reply,
        'channels/event',
        {
          title: `Event ${json.id}: ${json.type_id}`,
          section: 'channels',
          viewer: viewerOf(request),
          trail: [
            ...trail,
            [integration.name, integrationPath(integration.id)],
            ['Event deliveries', `${integrationPath(integration.id)}/events`],
          ],
        },
        { integration, event: json, payload: JSON.stringify(json.data, null, 2) },
      );
    },
  );
}
