import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { epochSeconds, formatTimestamp, type Clock } from '../../clock.js';
import type { Principal } from '../../http/authenticate.js';
import { NotFound, UnprocessableEntity } from '../../http/errors.js';
import { emptyBody, errorResponses, timestamp } from '../../http/response-schemas.js';
import type { SubStores } from '../../store/store.js';
import type { OAuthClientRecord } from '../../store/zis-registry-store.js';
import { readEveryBodyAsJson } from '../configs/json-whatever-content-type.js';
import { integrationNamePattern } from '../names.js';
import { refuseNul } from './connection-routes.js';
import { redacted, zisTokenKey } from './zis-token.js';

export interface OAuthClientRoutesOptions {
  store: Pick<SubStores, 'zisRegistry'>;
  clock: Clock;
  principalOf: (request: FastifyRequest) => Principal;
}

const base = '/api/services/zis/connections/oauth/clients/:integration';
const security = [{ bearerAuth: [] }];
const tags = ['ZIS Connections'];
const tokenErrors = (...statuses: number[]) => errorResponses(...new Set([401, 403, 429, 503, ...statuses]));

interface Body {
  name?: string;
  client_id?: string;
  client_secret?: string;
  auth_url?: string;
  token_url?: string;
  default_scopes?: string;
  grant_type?: 'authorization_code' | 'client_credentials';
}

const url = { type: 'string', minLength: 1, maxLength: 2048 };
const bodySchema = (create: boolean) => ({
  type: 'object',
  ...(create ? { required: ['client_id', 'client_secret', 'token_url'] } : {}),
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    client_id: { type: 'string', minLength: 1, maxLength: 1024 },
    client_secret: { type: 'string', minLength: 1, maxLength: 8192 },
    auth_url: url,
    token_url: url,
    default_scopes: { type: 'string', maxLength: 2048 },
    grant_type: { type: 'string', enum: ['authorization_code', 'client_credentials'] },
  },
});

const clientSchema = {
  type: 'object',
  properties: {
    uuid: { type: 'string', examples: ['9c81f444-4beb-4ba7-9bcc-6b2d068e7ade'] },
    name: { type: ['string', 'null'] },
    integration: { type: 'string' },
    client_id: { type: 'string' },
    client_secret: { type: 'string', description: 'Always "*****": the secret is never returned.' },
    auth_url: { type: ['string', 'null'] },
    token_url: { type: 'string' },
    default_scopes: { type: ['string', 'null'] },
    grant_type: { type: 'string', enum: ['authorization_code', 'client_credentials'] },
    created_at: timestamp,
    updated_at: timestamp,
  },
};

const clientJson = (client: OAuthClientRecord) => ({
  uuid: client.uuid,
  name: client.name,
  integration: client.integration,
  client_id: client.clientId,
  client_secret: redacted,
  auth_url: client.authUrl,
  token_url: client.tokenUrl,
  default_scopes: client.defaultScopes,
  grant_type: client.grantType,
  created_at: formatTimestamp(client.createdAt),
  updated_at: formatTimestamp(client.updatedAt),
});

/** An absolute http(s) URL, the vendor's `{{subdomain}}` placeholder allowed in it; else 422 naming the field. */
function checkUrl(value: string | undefined, field: string): void {
  if (value === undefined) return;
  let parsed: URL | undefined;
  try {
    parsed = new URL(value.replaceAll('{{subdomain}}', 'subdomain'));
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw UnprocessableEntity(`Body field "${field}" must be an absolute https URL; got "${value.slice(0, 200)}".`);
  }
}

/**
 * ZIS OAuth clients (`/api/services/zis/connections/oauth/clients/{integration}`): a
 * third-party provider's URLs and client credentials, stored for OAuth connections. They
 * take a ZIS OAuth token of the integration. No OAuth flow runs them; the client secret
 * is stored encrypted and never returned.
 */
export async function zisOAuthClientRoutes(app: FastifyInstance, options: OAuthClientRoutesOptions): Promise<void> {
  const { store, clock } = options;
  readEveryBodyAsJson(app);
  const keyOf = (request: FastifyRequest<{ Params: { integration: string } }>, what: string) =>
    zisTokenKey(options.principalOf(request), request.params.integration, request.method, what);
  const integrationOnly = {
    type: 'object',
    required: ['integration'],
    properties: { integration: { type: 'string', pattern: integrationNamePattern } },
  };
  const withUuid = {
    type: 'object',
    required: ['integration', 'uuid'],
    properties: { ...integrationOnly.properties, uuid: { type: 'string', minLength: 1, maxLength: 64 } },
  };
  const answer = (description: string) => ({
    description,
    type: 'object',
    properties: { oauth_client: clientSchema },
  });
  const notFound = (request: FastifyRequest<{ Params: { integration: string; uuid: string } }>) =>
    NotFound(`No OAuth client "${request.params.uuid}" on integration "${request.params.integration}".`);
  const check = (body: Body) => {
    refuseNul(body as Record<string, unknown>);
    checkUrl(body.auth_url, 'auth_url');
    checkUrl(body.token_url, 'token_url');
  };

  app.post<{ Params: { integration: string }; Body: Body }>(
    base,
    {
      schema: {
        summary: 'Create an OAuth client',
        description: "A ZIS OAuth token of the integration. Stores a provider's OAuth client; no flow runs it.",
        tags,
        security,
        params: integrationOnly,
        body: bodySchema(true),
        response: { 201: answer('Created; the client secret is redacted.'), ...tokenErrors(400, 422) },
      },
    },
    async function createOAuthClient(request, reply) {
      const key = keyOf(request, 'Creating an OAuth client');
      const body = request.body;
      check(body);
      const created = await store.zisRegistry.createOAuthClient({
        ...key,
        uuid: randomUUID(),
        name: body.name ?? null,
        clientId: body.client_id!,
        clientSecret: body.client_secret!,
        authUrl: body.auth_url ?? null,
        tokenUrl: body.token_url!,
        defaultScopes: body.default_scopes ?? null,
        grantType: body.grant_type ?? 'authorization_code',
        nowSeconds: epochSeconds(clock),
      });
      return reply.code(201).send({ oauth_client: clientJson(created) });
    },
  );

  app.get<{ Params: { integration: string } }>(
    base,
    {
      schema: {
        summary: 'Show OAuth clients',
        description: "The integration's OAuth clients, secrets redacted.",
        tags,
        security,
        params: integrationOnly,
        response: {
          200: {
            description: 'The OAuth clients.',
            type: 'object',
            properties: { oauth_clients: { type: 'array', items: clientSchema } },
          },
          ...tokenErrors(400),
        },
      },
    },
    async function listOAuthClients(request, reply) {
      const key = keyOf(request, 'Listing OAuth clients');
      return reply.send({ oauth_clients: (await store.zisRegistry.listOAuthClients(key)).map(clientJson) });
    },
  );

  app.get<{ Params: { integration: string; uuid: string } }>(
    `${base}/:uuid`,
    {
      schema: {
        summary: 'Show an OAuth client',
        tags,
        security,
        params: withUuid,
        response: { 200: answer('The OAuth client, its secret redacted.'), ...tokenErrors(400, 404) },
      },
    },
    async function showOAuthClient(request, reply) {
      const key = keyOf(request, 'Reading an OAuth client');
      const found = await store.zisRegistry.getOAuthClient(key, request.params.uuid);
      if (!found) throw notFound(request);
      return reply.send({ oauth_client: clientJson(found) });
    },
  );

  app.patch<{ Params: { integration: string; uuid: string }; Body: Body }>(
    `${base}/:uuid`,
    {
      schema: {
        summary: 'Update an OAuth client',
        description: 'Changes the fields given.',
        tags,
        security,
        params: withUuid,
        body: bodySchema(false),
        response: { 200: answer('Updated; the client secret is redacted.'), ...tokenErrors(400, 404, 422) },
      },
    },
    async function updateOAuthClient(request, reply) {
      const key = keyOf(request, 'Updating an OAuth client');
      const body = request.body;
      check(body);
      const updated = await store.zisRegistry.updateOAuthClient(key, request.params.uuid, {
        name: body.name,
        clientId: body.client_id,
        clientSecret: body.client_secret,
        authUrl: body.auth_url,
        tokenUrl: body.token_url,
        defaultScopes: body.default_scopes,
        grantType: body.grant_type,
        nowSeconds: epochSeconds(clock),
      });
      if (!updated) throw notFound(request);
      return reply.send({ oauth_client: clientJson(updated) });
    },
  );

  app.delete<{ Params: { integration: string; uuid: string } }>(
    `${base}/:uuid`,
    {
      schema: {
        summary: 'Delete an OAuth client',
        tags,
        security,
        params: withUuid,
        response: { 204: emptyBody('Deleted.'), ...tokenErrors(400, 404) },
      },
    },
    async function deleteOAuthClient(request, reply) {
      const key = keyOf(request, 'Deleting an OAuth client');
      if (!(await store.zisRegistry.deleteOAuthClient(key, request.params.uuid))) throw notFound(request);
      return reply.code(204).send();
    },
  );
}
