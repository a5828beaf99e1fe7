import type { FastifyInstance } from 'fastify';
import { NotFound, UnprocessableEntity } from '../../http/errors.js';
import { idParams, requireAdmin, type ChannelContext } from '../channel-context.js';
import { instanceFields } from './instance-input.js';
import { instanceJson, instanceSchema } from './instance-json.js';
import { adminErrors, emptyBody } from '../../http/response-schemas.js';
import { newPushCredentials } from './push-credentials.js';
import { positiveId } from '../../http/id-schemas.js';

const base = '/api/switchboard/v1/instances';
const tags = ['Channel instances'];
const security = [{ adminBasicAuth: [] }];

const instanceBody = {
  type: 'object',
  properties: {
    integration_id: positiveId,
    name: { type: 'string', description: '1–255 characters' },
    metadata: { type: 'string', description: 'Opaque, at most 5000 characters' },
    state: { type: 'string', description: 'Opaque, at most 5000 characters' },
  },
} as const;

const oneInstance = { type: 'object', properties: { instance: instanceSchema } } as const;

/**
 * Instances for automation: list, show (metadata redacted unless `?include=metadata`),
 * create, update, deactivate, activate, remove. The admin UI hand-off is the other way in.
 */
export async function instanceRoutes(app: FastifyInstance, context: ChannelContext): Promise<void> {
  const { channels } = context;
  const found = async (accountId: number, id: number) => {
    const instance = await channels.getInstance(accountId, id);
    if (!instance) throw NotFound(`No instance ${id}.`);
    return instance;
  };

  app.get<{ Querystring: { integration_id?: number } }>(
    base,
    {
      schema: {
        tags,
        security,
        summary: 'List instances (metadata redacted)',
        querystring: { type: 'object', properties: { integration_id: positiveId } },
        response: {
          200: {
            description: 'Instances, metadata redacted.',
            type: 'object',
            properties: { instances: { type: 'array', items: instanceSchema } },
          },
          ...adminErrors(400),
        },
      },
    },
    async function listInstances(request) {
      const account = requireAdmin(context, request);
      const instances = await channels.listInstances(account.id, { integrationId: request.query.integration_id });
      return { instances: instances.map((i) => instanceJson(i, { includeMetadata: false })) };
    },
  );

  app.get<{ Params: { id: number }; Querystring: { include?: string } }>(
    `${base}/:id`,
    {
      schema: {
        tags,
        security,
        summary: 'Show an instance',
        params: idParams,
        querystring: { type: 'object', properties: { include: { type: 'string', enum: ['metadata'] } } },
        response: { 200: { ...oneInstance, description: 'The instance.' }, ...adminErrors(400, 404) },
      },
    },
    async function showInstance(request) {
      const account = requireAdmin(context, request);
      const instance = await found(account.id, request.params.id);
      return { instance: instanceJson(instance, { includeMetadata: request.query.include === 'metadata' }) };
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    base,
    {
      schema: {
        tags,
        security,
        summary: 'Create an instance',
        body: { ...instanceBody, required: ['integration_id', 'name'] },
        response: {
          201: {
            description: 'Created, with its metadata.',
            type: 'object',
            properties: {
              instance: instanceSchema,
              zendesk_access_token: {
                type: 'string',
                description: 'The push token, for the push API; shown only here.',
              },
            },
          },
          ...adminErrors(422),
        },
      },
    },
    async function createInstanceRoute(request, reply) {
      const account = requireAdmin(context, request);
      const fields = instanceFields(request.body);
      const integrationId = request.body.integration_id as number;
      if (!(await channels.getIntegration(account.id, integrationId))) {
        throw UnprocessableEntity(`No channel integration ${integrationId} on this account.`);
      }
      const push = newPushCredentials();
      const instance = await channels.createInstance({
        accountId: account.id,
        integrationId,
        name: fields.name!,
        metadata: fields.metadata ?? '',
        state: fields.state ?? '',
        instancePushId: push.instancePushId,
        pushTokenHash: push.pushTokenHash,
        nowMs: context.nowMs(),
      });
      return reply.code(201).send({
        instance: instanceJson(instance, { includeMetadata: true }),
        // For the push API; shown only here.
        zendesk_access_token: push.pushToken,
      });
    },
  );

  app.patch<{ Params: { id: number }; Body: Record<string, unknown> }>(
    `${base}/:id`,
    {
      schema: {
        tags,
        security,
        summary: 'Update name, metadata or state',
        params: idParams,
        body: instanceBody,
        response: {
          200: { ...oneInstance, description: 'Updated, with its metadata.' },
          ...adminErrors(400, 404, 422),
        },
      },
    },
    async function updateInstance(request) {
      const account = requireAdmin(context, request);
      if (request.body.integration_id !== undefined) {
        throw UnprocessableEntity('An instance cannot move to another integration; create a new one.');
      }
      const fields = instanceFields(request.body);
      const updated = await channels.updateInstance(account.id, request.params.id, {
        ...fields,
        nowMs: context.nowMs(),
      });
      if (!updated) throw NotFound(`No instance ${request.params.id}.`);
      return { instance: instanceJson(updated, { includeMetadata: true }) };
    },
  );

  for (const [action, active] of [
    ['activate', true],
    ['deactivate', false],
  ] as const) {
    app.post<{ Params: { id: number } }>(
      `${base}/:id/${action}`,
      {
        schema: {
          tags,
          security,
          summary: `${action[0]!.toUpperCase()}${action.slice(1)} an instance`,
          params: idParams,
          response: {
            200: { ...oneInstance, description: `${action}d, metadata redacted.` },
            ...adminErrors(400, 404),
          },
        },
      },
      async function setInstanceActive(request) {
        const account = requireAdmin(context, request);
        const updated = await channels.updateInstance(account.id, request.params.id, {
          active,
          deactivatedReason: active ? null : 'deactivated through the API',
          nowMs: context.nowMs(),
        });
        if (!updated) throw NotFound(`No instance ${request.params.id}.`);
        return { instance: instanceJson(updated, { includeMetadata: false }) };
      },
    );
  }

  app.delete<{ Params: { id: number } }>(
    `${base}/:id`,
    {
      schema: {
        tags,
        security,
        summary: 'Remove an instance',
        params: idParams,
        response: { 204: emptyBody('Removed.'), ...adminErrors(400, 404) },
      },
    },
    async function removeInstance(request, reply) {
      const account = requireAdmin(context, request);
      if (!(await channels.deleteInstance(account.id, request.params.id, context.nowMs())))
        throw NotFound(`No instance ${request.params.id}.`);
      return reply.code(204).send();
    },
  );
}
