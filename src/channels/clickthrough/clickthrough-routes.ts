import type { FastifyInstance } from 'fastify';
import { NotFound } from '../../http/errors.js';
import { requireAdmin } from '../channel-context.js';
import type { ChannelbackContext } from '../channelback/channelback-context.js';
import { manifestUrl } from '../integrations/stored-manifest.js';
import { clickthroughUrl } from './clickthrough-url.js';
import { positiveId } from '../../http/id-schemas.js';
import { adminErrors, emptyBody } from '../../http/response-schemas.js';

const positive = positiveId;

/** `GET …/instances/{id}/resources/{resource_id}/clickthrough`: 302 to the resource on the origin service. */
export async function clickthroughRoutes(app: FastifyInstance, context: ChannelbackContext): Promise<void> {
  app.get<{ Params: { id: number; resourceId: number } }>(
    '/api/switchboard/v1/instances/:id/resources/:resourceId/clickthrough',
    {
      schema: {
        tags: ['Pulls'],
        security: [{ adminBasicAuth: [] }],
        summary: "Redirect (302) to the resource on the origin service: the manifest's clickthrough_url",
        params: { type: 'object', required: ['id', 'resourceId'], properties: { id: positive, resourceId: positive } },
        response: {
          302: {
            ...emptyBody("To the manifest's clickthrough_url with ?external_id=…"),
            headers: { location: { type: 'string', description: 'The resource on the origin service.' } },
          },
          ...adminErrors(400, 404),
        },
      },
    },
    async function clickthrough(request, reply) {
      const account = requireAdmin(context, request);
      const { id, resourceId } = request.params;
      const resource = await context.replies.getResource(account.id, id, resourceId);
      if (!resource) throw NotFound(`No resource ${resourceId} on instance ${id}.`);
      const instance = await context.channels.getInstance(account.id, id);
      const integration = instance && (await context.channels.getIntegration(account.id, instance.integrationId));
      if (!integration) throw NotFound(`No resource ${resourceId} on instance ${id}.`);
      const location = clickthroughUrl(manifestUrl(integration, 'clickthrough_url'), resource.externalId);
      if (location === null) {
        throw NotFound(
          `The integration "${integration.name}" has no clickthrough_url in its manifest: nothing to link to.`,
        );
      }
      return reply.redirect(location, 302);
    },
  );
}
