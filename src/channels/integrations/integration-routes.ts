import type { FastifyInstance } from 'fastify';
import { NotFound, UnprocessableEntity } from '../../http/errors.js';
import { idParams, requireAdmin, type ChannelContext } from '../channel-context.js';
import { fetchManifest } from './fetch-manifest.js';
import { integrationJson, integrationSchema } from './integration-json.js';
import { adminErrors, emptyBody } from '../../http/response-schemas.js';

const base = '/api/switchboard/v1/channel_integrations';
const tags = ['Channel integrations'];
const security = [{ adminBasicAuth: [] }];
const oneIntegration = { type: 'object', properties: { integration: integrationSchema } } as const;

/** Register a channel integration by manifest URL; list, show, re-read, remove. */
export async function integrationRoutes(app: FastifyInstance, context: ChannelContext): Promise<void> {
  const { channels } = context;

  app.post<{ Body: { manifest_url?: unknown } }>(
    base,
    {
      schema: {
        tags,
        security,
        summary: 'Register a channel integration by manifest URL',
        description: 'Fetches and validates the manifest. The answer carries the signing secret, shown only here.',
        body: {
          type: 'object',
          required: ['manifest_url'],
          properties: { manifest_url: { type: 'string', maxLength: 2048 } },
        },
        response: {
          201: {
            description: 'Registered.',
            type: 'object',
            properties: {
              integration: integrationSchema,
              signing_secret: {
                type: 'string',
                description: 'Verifies X-Switchboard-Signature on every call to the integration; shown only here.',
              },
            },
          },
          ...adminErrors(422),
        },
      },
    },
    async function registerChannelIntegration(request, reply) {
      const account = requireAdmin(context, request);
      const requested = String(request.body.manifest_url);
      const { manifest } = await fetchManifest(context.client, requested);
      const nowMs = context.nowMs();
      const integration = await channels.createIntegration({
        accountId: account.id,
        remoteId: manifest.id,
        name: manifest.name,
        manifestUrl: requested,
        manifestJson: JSON.stringify(manifest),
        nowMs,
      });
      return reply.code(201).send({
        integration: integrationJson(integration),
        // Integrations verify X-Switchboard-Signature with it; derived, never stored.
        signing_secret: context.signingSecret(integration),
      });
    },
  );

  app.get(
    base,
    {
      schema: {
        tags,
        security,
        summary: 'List channel integrations',
        response: {
          200: {
            description: "The account's channel integrations.",
            type: 'object',
            properties: { integrations: { type: 'array', items: integrationSchema } },
          },
          ...adminErrors(),
        },
      },
    },
    async function listChannelIntegrations(request) {
      const account = requireAdmin(context, request);
      return { integrations: (await channels.listIntegrations(account.id)).map(integrationJson) };
    },
  );

  app.get<{ Params: { id: number } }>(
    `${base}/:id`,
    {
      schema: {
        tags,
        security,
        summary: 'Show a channel integration',
        params: idParams,
        response: { 200: { ...oneIntegration, description: 'The integration.' }, ...adminErrors(400, 404) },
      },
    },
    async function showChannelIntegration(request) {
      const account = requireAdmin(context, request);
      const integration = await channels.getIntegration(account.id, request.params.id);
      if (!integration) throw NotFound(`No channel integration ${request.params.id}.`);
      return { integration: integrationJson(integration) };
    },
  );

  app.post<{ Params: { id: number } }>(
    `${base}/:id/refresh`,
    {
      schema: {
        tags,
        security,
        summary: 'Re-read the manifest',
        description: '422 when the manifest cannot be fetched, is invalid, or its id changed.',
        params: idParams,
        response: {
          200: { ...oneIntegration, description: 'The integration with the manifest read again.' },
          ...adminErrors(400, 404, 422),
        },
      },
    },
    async function refreshChannelIntegration(request) {
      const account = requireAdmin(context, request);
      const integration = await channels.getIntegration(account.id, request.params.id);
      if (!integration) throw NotFound(`No channel integration ${request.params.id}.`);
      const { manifest } = await fetchManifest(context.client, integration.manifestUrl);
      if (manifest.id !== integration.remoteId) {
        throw UnprocessableEntity(
          `The manifest's id changed from "${integration.remoteId}" to "${manifest.id}"; register it as a new integration.`,
        );
      }
      const updated = await channels.updateIntegrationManifest(account.id, integration.id, {
        manifestJson: JSON.stringify(manifest),
        name: manifest.name,
        nowMs: context.nowMs(),
      });
      if (!updated) throw NotFound(`No channel integration ${request.params.id}.`);
      return { integration: integrationJson(updated) };
    },
  );

  app.delete<{ Params: { id: number } }>(
    `${base}/:id`,
    {
      schema: {
        tags,
        security,
        summary: 'Remove a channel integration and its instances',
        params: idParams,
        response: { 204: emptyBody('Removed, with its instances.'), ...adminErrors(400, 404) },
      },
    },
    async function removeChannelIntegration(request, reply) {
      const account = requireAdmin(context, request);
      if (!(await channels.deleteIntegration(account.id, request.params.id, context.nowMs()))) {
        throw NotFound(`No channel integration ${request.params.id}.`);
      }
      return reply.code(204).send();
    },
  );
}
