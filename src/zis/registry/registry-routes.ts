import type { FastifyInstance, FastifyRequest } from 'fastify';
import { registerIntegration } from '../../accounts/provision.js';
import type { Clock } from '../../clock.js';
import { requireAdmin, type Principal } from '../../http/authenticate.js';
import { AuthenticationFailed, UnprocessableEntity } from '../../http/errors.js';
import type { AccountStore, SubStores, TokenStore } from '../../store/store.js';
import { integrationNamePattern } from '../names.js';
import { adminErrors } from '../../http/response-schemas.js';

export interface RegistryRoutesOptions {
  store: AccountStore & TokenStore & Pick<SubStores, 'grants'>;
  clock: Clock;
  principalOf: (request: FastifyRequest) => Principal;
}

const listIntegrationsSchema = {
  summary: 'List registered integrations',
  description:
    "Admin credentials. The account's integrations with their OAuth client's id (the client_id for " +
    'POST /api/v2/oauth/tokens.json) and identifier; never the secret.',
  tags: ['ZIS Registry'],
  security: [{ adminBasicAuth: [] }],
  response: {
    200: {
      description: "The account's integrations.",
      type: 'object',
      properties: {
        integrations: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              description: { type: 'string' },
              zendesk_oauth_client: {
                type: 'object',
                properties: { id: { type: 'integer' }, identifier: { type: 'string' } },
              },
            },
          },
        },
      },
    },
    ...adminErrors(403),
  },
};

/**
 * `POST /api/services/zis/registry/{integration}`: an admin registers an integration and
 * gets its OAuth client, whose secret is shown this once. `GET …/registry/integrations`
 * lists them.
 */
export async function registryRoutes(app: FastifyInstance, options: RegistryRoutesOptions): Promise<void> {
  app.get(
    '/api/services/zis/registry/integrations',
    { schema: listIntegrationsSchema },
    async function listRegisteredIntegrations(request, reply) {
      const admin = requireAdmin(options.principalOf(request), 'Listing integrations');
      const clients = await options.store.grants.listOAuthClients(admin.account.id);
      return reply.send({
        integrations: clients.map(({ integration, description }) => ({
          name: integration.name,
          description,
          zendesk_oauth_client: { id: integration.id, identifier: integration.clientIdentifier },
        })),
      });
    },
  );

  app.post<{ Params: { integration: string }; Body: { description?: string } | undefined }>(
    '/api/services/zis/registry/:integration',
    {
      schema: {
        summary: 'Register an integration',
        description:
          'Admin credentials. Optional body {"description": "…"}, echoed. Answers 200, as the vendor does, with the ' +
          'OAuth client for the integration; the secret is shown only here.',
        tags: ['ZIS Registry'],
        security: [{ adminBasicAuth: [] }],
        params: {
          type: 'object',
          required: ['integration'],
          properties: { integration: { type: 'string', pattern: integrationNamePattern } },
        },
        body: {
          type: 'object',
          properties: { description: { type: 'string', maxLength: 1024, examples: ['example integration'] } },
        },
        response: {
          200: {
            description: "Registered: the integration's OAuth client, its secret shown only here.",
            type: 'object',
            properties: {
              description: { type: 'string' },
              zendesk_oauth_client: {
                type: 'object',
                properties: {
                  id: { type: 'integer', description: 'The client_id for POST /api/v2/oauth/tokens.json.' },
                  identifier: { type: 'string', examples: ['zis_my_zis_app_1'] },
                  secret: { type: 'string', description: 'For the client_credentials grant; shown only here.' },
                },
              },
            },
          },
          ...adminErrors(400, 422),
        },
      },
      // The body is optional (the vendor's curl samples send one, scripts often none).
      preValidation: (request, _reply, done) => {
        request.body ??= {};
        done();
      },
    },
    async function registerIntegrationRoute(request, reply) {
      const principal = options.principalOf(request);
      if (principal.kind !== 'admin') {
        throw AuthenticationFailed(
          'Registering an integration takes admin credentials: basic auth "{email}/token:{api_token}".',
        );
      }
      const name = request.params.integration;
      const description = request.body?.description ?? '';
      const registered = await registerIntegration(
        options.store,
        options.clock,
        principal.account.id,
        name,
        description,
      );
      if (registered === 'exists') {
        throw UnprocessableEntity(
          `Integration "${name}" is already registered on this account. Its OAuth client secret was shown when it was registered.`,
        );
      }
      return reply.code(200).send({
        description,
        zendesk_oauth_client: {
          id: registered.integration.id,
          identifier: registered.integration.clientIdentifier,
          secret: registered.clientSecret,
        },
      });
    },
  );
}
