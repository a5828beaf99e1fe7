import type { FastifyInstance } from 'fastify';
import { Conflict, NotFound, UnprocessableEntity } from '../../http/errors.js';
import { idParams, requireAdmin, type ChannelContext } from '../channel-context.js';
import { manifestUrl } from '../integrations/stored-manifest.js';
import { pullJson, pullSchema, resourceJson, resourceSchema, threadJson, threadSchema } from './pull-json.js';
import { adminErrors } from '../../http/response-schemas.js';
import { pullNow } from './pull-now.js';
import { positiveId } from '../../http/id-schemas.js';

const base = '/api/switchboard/v1/instances/:id';
const tags = ['Pulls'];
const security = [{ adminBasicAuth: [] }];

/** Pull on demand, the pull log, and the threads and resources pulls stored. */
export async function pullRoutes(app: FastifyInstance, context: ChannelContext): Promise<void> {
  const { channels } = context;
  const instanceOf = async (accountId: number, id: number) => {
    if (!(await channels.getInstance(accountId, id))) throw NotFound(`No instance ${id}.`);
  };

  app.post<{ Params: { id: number } }>(
    `${base}/pull`,
    {
      schema: {
        tags,
        security,
        summary: 'Pull now; answers with the outcome',
        description:
          'A failed pull is still a 200: its outcome is "failed" with the error. 409 while another pull of the ' +
          'instance runs; 422 when the instance is deactivated or its manifest has no pull_url.',
        params: idParams,
        response: {
          200: { description: 'The pull log entry of this pull.', type: 'object', properties: { pull: pullSchema } },
          ...adminErrors(400, 404, 409, 422),
        },
      },
    },
    async function pullInstanceNow(request) {
      const account = requireAdmin(context, request);
      const pulled = await pullNow(context.pull, {
        accountId: account.id,
        instanceId: request.params.id,
        owner: 'on-demand',
      });
      if (pulled === 'not_found') throw NotFound(`No instance ${request.params.id}.`);
      if (pulled === 'inactive') throw UnprocessableEntity('The instance is deactivated; activate it first.');
      if (pulled === 'no_pull_url') throw UnprocessableEntity("The integration's manifest has no pull_url.");
      if (pulled === 'busy') throw Conflict('A pull of this instance is in progress; try again when it ends.');
      return { pull: pullJson(pulled) };
    },
  );

  app.get<{ Params: { id: number }; Querystring: { limit?: number } }>(
    `${base}/pulls`,
    {
      schema: {
        tags,
        security,
        summary: 'The pull log, newest first',
        params: idParams,
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
        },
        response: {
          200: {
            description: 'Pull log entries, newest first.',
            type: 'object',
            properties: { pulls: { type: 'array', items: pullSchema } },
          },
          ...adminErrors(400, 404),
        },
      },
    },
    async function listPulls(request) {
      const account = requireAdmin(context, request);
      await instanceOf(account.id, request.params.id);
      const pulls = await channels.listPulls(account.id, request.params.id, request.query.limit ?? 50);
      return { pulls: pulls.map(pullJson) };
    },
  );

  app.get<{ Params: { id: number } }>(
    `${base}/threads`,
    {
      schema: {
        tags,
        security,
        summary: 'Threads of an instance',
        params: idParams,
        response: {
          200: {
            description: 'Threads, oldest first.',
            type: 'object',
            properties: { threads: { type: 'array', items: threadSchema } },
          },
          ...adminErrors(400, 404),
        },
      },
    },
    async function listThreads(request) {
      const account = requireAdmin(context, request);
      await instanceOf(account.id, request.params.id);
      return { threads: (await channels.listThreads(account.id, request.params.id)).map(threadJson) };
    },
  );

  app.get<{ Params: { id: number; threadId: number } }>(
    `${base}/threads/:threadId/resources`,
    {
      schema: {
        tags,
        security,
        summary: 'Resources of a thread, in order',
        params: {
          type: 'object',
          required: ['id', 'threadId'],
          properties: { id: positiveId, threadId: positiveId },
        },
        response: {
          200: {
            description: 'Resources, in order.',
            type: 'object',
            properties: { resources: { type: 'array', items: resourceSchema } },
          },
          ...adminErrors(400, 404),
        },
      },
    },
    async function listThreadResources(request) {
      const account = requireAdmin(context, request);
      const instance = await channels.getInstance(account.id, request.params.id);
      if (!instance) throw NotFound(`No instance ${request.params.id}.`);
      const integration = await channels.getIntegration(account.id, instance.integrationId);
      const clickthrough = integration ? manifestUrl(integration, 'clickthrough_url') : null;
      const resources = await channels.listResources(account.id, request.params.id, request.params.threadId);
      return { resources: resources.map((resource) => resourceJson(resource, clickthrough)) };
    },
  );
}
