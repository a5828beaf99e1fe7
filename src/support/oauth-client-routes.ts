import type { FastifyInstance, FastifyRequest } from 'fastify';
import { epochSeconds, type Clock } from '../clock.js';
import { requireAdmin, type Principal } from '../http/authenticate.js';
import { NotFound, UnprocessableEntity } from '../http/errors.js';
import { supportErrorResponses } from '../http/response-schemas.js';
import type { OAuthClient, SubStores } from '../store/store.js';
import { oauthClientJson, oauthClientSchema } from './oauth-client-json.js';
import { maxRedirectUris, redirectUriProblem } from './redirect-uris.js';

export interface OAuthClientRoutesOptions {
  store: Pick<SubStores, 'grants'>;
  clock: Clock;
  principalOf: (request: FastifyRequest) => Principal;
  publicUrlOf: (request: FastifyRequest) => string;
}

interface IdParams {
  id: string;
}
interface UpdateClientBody {
  client: { name?: string; identifier?: string; description?: string; redirect_uri?: string[] | string };
}

const tags = ['Support API: OAuth'];
const security = [{ adminBasicAuth: [] }];
const errors = (...statuses: number[]) => supportErrorResponses(...statuses, 401, 429, 503);
const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', description: 'The id, optionally followed by ".json".' } },
} as const;
const maxDescription = 1024;

/**
 * The vendor's OAuth clients API over the account's integrations: list them, show one, and
 * change its description and redirect URIs (where the authorization-code grant may send a
 * code). Clients are made by registering an integration; their name and identifier follow
 * it and do not change here. Paths answer with and without `.json`.
 */
export async function supportOAuthClientRoutes(app: FastifyInstance, options: OAuthClientRoutesOptions): Promise<void> {
  const { store } = options;
  const adminOf = (request: FastifyRequest) => requireAdmin(options.principalOf(request), 'Managing OAuth clients');

  for (const path of ['/api/v2/oauth/clients', '/api/v2/oauth/clients.json']) {
    app.get(
      path,
      {
        schema: {
          summary: 'List Clients',
          description: "The account's OAuth clients (one per registered integration), by ascending id; never a secret.",
          tags,
          security,
          response: {
            200: {
              description: 'Every client of the account, on one page.',
              type: 'object',
              properties: {
                clients: { type: 'array', items: oauthClientSchema },
                next_page: { type: 'null' },
                previous_page: { type: 'null' },
                count: { type: 'integer' },
              },
            },
            ...errors(403),
          },
        },
      },
      async function listClients(request) {
        const admin = adminOf(request);
        const clients = await store.grants.listOAuthClients(admin.account.id);
        const baseUrl = options.publicUrlOf(request);
        return {
          clients: clients.map((client) => oauthClientJson(client, baseUrl)),
          next_page: null,
          previous_page: null,
          count: clients.length,
        };
      },
    );
  }

  const clientOf = async (request: FastifyRequest<{ Params: IdParams }>): Promise<OAuthClient> => {
    const admin = adminOf(request);
    const text = request.params.id.replace(/\.json$/, '');
    const id = /^[1-9]\d{0,15}$/.test(text) ? Number(text) : undefined;
    const client = id === undefined ? undefined : await store.grants.findOAuthClient(admin.account.id, id);
    if (!client) throw NotFound(`No OAuth client with id ${JSON.stringify(request.params.id)} on this account.`);
    return client;
  };

  app.get<{ Params: IdParams }>(
    '/api/v2/oauth/clients/:id',
    {
      schema: {
        summary: 'Show Client',
        tags,
        security,
        params: idParams,
        response: {
          200: {
            description: 'The client; never its secret.',
            type: 'object',
            properties: { client: oauthClientSchema },
          },
          ...errors(403, 404),
        },
      },
    },
    async function showClient(request) {
      return { client: oauthClientJson(await clientOf(request), options.publicUrlOf(request)) };
    },
  );

  app.put<{ Params: IdParams; Body: UpdateClientBody }>(
    '/api/v2/oauth/clients/:id',
    {
      schema: {
        summary: 'Update Client',
        description:
          'Changes description and redirect_uri (the URLs the authorization-code grant may redirect to: https, or ' +
          'http to a loopback address; no fragment). Absent fields stay. name and identifier are the ' +
          "integration's and cannot change (422 when they differ); other fields of the vendor's client are ignored.",
        tags,
        security,
        params: idParams,
        body: {
          type: 'object',
          required: ['client'],
          properties: {
            client: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                identifier: { type: 'string' },
                description: { type: 'string', maxLength: maxDescription },
                redirect_uri: {
                  oneOf: [
                    { type: 'array', items: { type: 'string' }, maxItems: maxRedirectUris },
                    { type: 'string', description: 'One URI, as the array of one.' },
                  ],
                },
              },
            },
          },
        },
        response: {
          200: { description: 'The changed client.', type: 'object', properties: { client: oauthClientSchema } },
          ...errors(400, 403, 404, 413, 422),
        },
      },
    },
    async function updateClient(request) {
      const current = await clientOf(request);
      const change = request.body.client;
      const { integration } = current;
      if (change.name !== undefined && change.name !== integration.name) {
        throw UnprocessableEntity(
          `client.name is the integration's name, "${integration.name}", and cannot change: leave it out.`,
        );
      }
      if (change.identifier !== undefined && change.identifier !== integration.clientIdentifier) {
        throw UnprocessableEntity(
          `client.identifier is "${integration.clientIdentifier}" (zis_{integration}_{account_id}) and cannot change: leave it out.`,
        );
      }
      const redirectUris =
        change.redirect_uri === undefined
          ? undefined
          : [...new Set(typeof change.redirect_uri === 'string' ? [change.redirect_uri] : change.redirect_uri)];
      for (const uri of redirectUris ?? []) {
        const problem = redirectUriProblem(uri);
        if (problem) throw UnprocessableEntity(`client.${problem}.`);
      }
      const updated = await store.grants.updateOAuthClient(integration.accountId, integration.id, {
        description: change.description,
        redirectUris,
        nowSeconds: epochSeconds(options.clock),
      });
      if (!updated) throw NotFound(`No OAuth client with id ${integration.id} on this account.`);
      return { client: oauthClientJson(updated, options.publicUrlOf(request)) };
    },
  );
}
