import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createReply } from '../channels/channelback/create-reply.js';
import { manifestUrl } from '../channels/integrations/stored-manifest.js';
import { pullJson, resourceJson } from '../channels/pull/pull-json.js';
import { pullNow, pullNowRefusalDetail } from '../channels/pull/pull-now.js';
import { LeaseLostError } from '../channels/pull/pull-leases.js';
import { characterCount } from '../channels/protocol/limits.js';
import { Conflict, NotFound, ServiceUnavailable, UnprocessableEntity } from '../http/errors.js';
import type { ConsoleContext } from './console-context.js';
import { field, positiveInt } from './forms.js';
import { redirectAfterPost, renderPage } from './render.js';
import { adminOf, viewerOf } from './signed-in.js';

type IdParams = { Params: { id: string } };
type ThreadParams = { Params: { id: string; threadId: string } };
const instancePath = (id: number) => `/console/instances/${id}`;
const pullLogLength = 20;

/**
 * Instances: status and last pull, the actions (pull now, activate, deactivate, edit through
 * the admin UI hand-off, delete), the pull log, threads with their resources in order, and
 * replies. Metadata is shown only on request, as the API's `?include=metadata`.
 */
export async function instancePages(app: FastifyInstance, context: ConsoleContext): Promise<void> {
  const channel = context.channel;
  const { channels } = channel;
  const instanceOf = async (request: FastifyRequest<IdParams>) => {
    const account = adminOf(request).account;
    const id = positiveInt(request.params.id);
    const instance = id === undefined ? undefined : await channels.getInstance(account.id, id);
    if (!instance) throw NotFound(`There is no instance ${request.params.id} on this account.`);
    return instance;
  };
  const trailOf = async (accountId: number, integrationId: number): Promise<[string, string][]> => {
    const integration = await channels.getIntegration(accountId, integrationId);
    return [
      ['Instances', '/console/instances'],
      ...(integration
        ? [[integration.name, `/console/channel_integrations/${integration.id}`] as [string, string]]
        : []),
    ];
  };

  app.get('/console/instances', async function consoleInstances(request, reply) {
    const account = adminOf(request).account;
    const [instances, integrations] = await Promise.all([
      channels.listInstances(account.id),
      channels.listIntegrations(account.id),
    ]);
    const names = new Map(integrations.map((i) => [i.id, i.name]));
    return renderPage(
      reply,
      'instances/list',
      { title: 'Instances', section: 'instances', viewer: viewerOf(request) },
      { instances: instances.map((i) => ({ ...i, integrationName: names.get(i.integrationId) ?? '' })) },
    );
  });

  app.get<IdParams & { Querystring: Record<string, string> }>(
    '/console/instances/:id',
    async function consoleInstance(request, reply) {
      const instance = await instanceOf(request);
      const showMetadata = field(request.query, 'show') === 'metadata';
      const [pulls, threads, trail] = await Promise.all([
        channels.listPulls(instance.accountId, instance.id, pullLogLength),
        channels.listThreads(instance.accountId, instance.id),
        trailOf(instance.accountId, instance.integrationId),
      ]);
      if (showMetadata) reply.header('cache-control', 'no-store');
      return renderPage(
        reply,
        'instances/show',
        { title: instance.name, section: 'instances', viewer: viewerOf(request), trail },
        {
          instance,
          showMetadata,
          metadataLength: characterCount(instance.metadata),
          lastPull: pulls[0] ? pullJson(pulls[0]) : undefined,
          pulls: pulls.map(pullJson),
          threads,
        },
      );
    },
  );

  app.post<IdParams>('/console/instances/:id/pull', async function consolePullNow(request, reply) {
    const instance = await instanceOf(request);
    const pulled = await pullNow(channel.pull, {
      accountId: instance.accountId,
      instanceId: instance.id,
      owner: 'console',
    }).catch((error: unknown) => {
      // As the API: a lease that could not be renewed means the database is out of reach.
      if (error instanceof LeaseLostError) throw ServiceUnavailable(`${error.message} Retry shortly.`);
      throw error;
    });
    if (pulled === 'busy') throw Conflict(pullNowRefusalDetail(pulled, instance.id));
    if (pulled === 'not_found') throw NotFound(pullNowRefusalDetail(pulled, instance.id));
    if (typeof pulled === 'string') throw UnprocessableEntity(pullNowRefusalDetail(pulled, instance.id));
    const notice =
      pulled.outcome === 'ok'
        ? `Pulled: ${pulled.resourcesStored} resources stored, ${pulled.duplicates} already known.`
        : `The pull failed: ${pulled.error ?? 'no reason given'}.${pulled.deactivated ? ' The instance is now deactivated.' : ''}`;
    return redirectAfterPost(reply, instancePath(instance.id), notice);
  });

  for (const [action, active] of [
    ['activate', true],
    ['deactivate', false],
  ] as const) {
    app.post<IdParams>(`/console/instances/:id/${action}`, async function consoleSetActive(request, reply) {
      const instance = await instanceOf(request);
      const updated = await channels.updateInstance(instance.accountId, instance.id, {
        active,
        deactivatedReason: active ? null : `deactivated in the console by ${adminOf(request).email}`,
        nowMs: channel.nowMs(),
      });
      if (!updated) throw NotFound(`There is no instance ${instance.id}; it may have been deleted.`);
      return redirectAfterPost(reply, instancePath(instance.id), active ? 'Activated.' : 'Deactivated.');
    });
  }

  app.get<IdParams>('/console/instances/:id/delete', async function consoleConfirmDeleteInstance(request, reply) {
    const instance = await instanceOf(request);
    return renderPage(
      reply,
      'confirm',
      {
        title: `Delete ${instance.name}?`,
        section: 'instances',
        viewer: viewerOf(request),
        trail: await trailOf(instance.accountId, instance.integrationId),
      },
      {
        message: `The instance "${instance.name}", its threads, resources and pull log will be deleted. This cannot be undone.`,
        action: `${instancePath(instance.id)}/delete`,
        fields: {},
        confirm: 'Delete instance',
        cancel: instancePath(instance.id),
      },
    );
  });

  app.post<IdParams>('/console/instances/:id/delete', async function consoleDeleteInstance(request, reply) {
    const instance = await instanceOf(request);
    if (!(await channels.deleteInstance(instance.accountId, instance.id, channel.nowMs()))) {
      throw NotFound(`There is no instance ${instance.id}; it may have been deleted already.`);
    }
    return redirectAfterPost(
      reply,
      `/console/channel_integrations/${instance.integrationId}`,
      `Deleted instance ${instance.name}.`,
    );
  });

  app.get<ThreadParams>('/console/instances/:id/threads/:threadId', async function consoleThread(request, reply) {
    const instance = await instanceOf(request);
    const threadId = positiveInt(request.params.threadId);
    const thread =
      threadId === undefined ? undefined : await channel.replies.getThread(instance.accountId, instance.id, threadId);
    if (!thread) throw NotFound(`There is no thread ${request.params.threadId} on instance ${instance.id}.`);
    const integration = await channels.getIntegration(instance.accountId, instance.integrationId);
    const clickthrough = integration ? manifestUrl(integration, 'clickthrough_url') : null;
    const [resources, replies] = await Promise.all([
      channels.listResources(instance.accountId, instance.id, thread.id),
      channel.replies.listThreadReplies(instance.accountId, instance.id, thread.id),
    ]);
    return renderPage(
      reply,
      'instances/thread',
      {
        title: `Thread ${thread.threadKey}`,
        section: 'instances',
        viewer: viewerOf(request),
        trail: [
          ...(await trailOf(instance.accountId, instance.integrationId)),
          [instance.name, instancePath(instance.id)],
        ],
      },
      {
        instance,
        thread,
        resources: resources.map((r) => resourceJson(r, clickthrough)),
        replies,
        canReply: integration ? manifestUrl(integration, 'channelback_url') !== null : false,
      },
    );
  });

  app.post<ThreadParams>(
    '/console/instances/:id/threads/:threadId/replies',
    async function consoleReply(request, reply) {
      const instance = await instanceOf(request);
      const threadId = positiveInt(request.params.threadId);
      if (threadId === undefined)
        throw NotFound(`There is no thread ${request.params.threadId} on instance ${instance.id}.`);
      await createReply(
        { channels, replies: channel.replies },
        {
          accountId: instance.accountId,
          instanceId: instance.id,
          threadId,
          body: { message: field(request.body, 'message') },
          mode: channel.mode,
          nowMs: channel.nowMs(),
        },
      );
      channel.kickSender();
      return redirectAfterPost(
        reply,
        `${instancePath(instance.id)}/threads/${threadId}`,
        'Reply queued: it is sent to the integration in the background.',
      );
    },
  );
}
