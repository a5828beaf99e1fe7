import type { FastifyInstance, FastifyRequest } from 'fastify';
import { issueScopedAccessToken } from '../accounts/provision.js';
import type { Clock } from '../clock.js';
import { requireAdmin, type Principal } from '../http/authenticate.js';
import { NotFound, UnprocessableEntity } from '../http/errors.js';
import { generateSecret, hashSecret } from '../security/secrets.js';
import { type TokenScope, tokenScopes, type TokenStore } from '../store/store.js';
import { clientJson, tokenJson } from './oauth-json.js';
import {
  createTokenSchema,
  generateSecretSchema,
  listTokensSchema,
  revokeTokenSchema,
  showTokenSchema,
} from './oauth-schemas.js';

export interface SupportOAuthRoutesOptions {
  store: TokenStore;
  clock: Clock;
  principalOf: (request: FastifyRequest) => Principal;
  /** Called once a token is revoked, so that this process stops trusting it at once. */
  onTokenRevoked: (tokenId: number) => void;
  /** Where absolute links (a token's `url`, `links.next`) point: see `http/public-url.ts`. */
  publicUrlOf: (request: FastifyRequest) => string;
}

interface CreateTokenBody {
  token: { client_id: number | string; scopes: string[] };
}
interface IdParams {
  id: string;
}
interface ListQuery {
  'page[size]'?: number;
  'page[after]'?: number;
}

const defaultPageSize = 100;

/**
 * The Support API's OAuth endpoints that the vendor's ZIS guide uses to get a token: an
 * admin creates one for an integration's OAuth client (`POST /api/v2/oauth/tokens.json`),
 * lists and revokes them, and gives a client a new secret. Every path also answers without
 * `.json`, as the vendor's do. Errors take the Support API's shape (the error mapper).
 */
export async function supportOAuthRoutes(app: FastifyInstance, options: SupportOAuthRoutesOptions): Promise<void> {
  const { store, clock } = options;
  const adminOf = (request: FastifyRequest) => requireAdmin(options.principalOf(request), 'Managing OAuth tokens');
  const baseUrl = options.publicUrlOf;

  for (const path of ['/api/v2/oauth/tokens', '/api/v2/oauth/tokens.json']) {
    app.post<{ Body: CreateTokenBody }>(
      path,
      { schema: createTokenSchema },
      async function createToken(request, reply) {
        const admin = adminOf(request);
        const scopes = scopesOf(request.body.token.scopes);
        const clientId = idOf(String(request.body.token.client_id));
        const integration =
          clientId === undefined ? undefined : await store.findIntegrationById(admin.account.id, clientId);
        if (!integration) {
          throw NotFound(
            `No OAuth client with id ${JSON.stringify(request.body.token.client_id)} on this account: use ` +
              "zendesk_oauth_client.id from the integration's registration (GET /api/services/zis/registry/integrations).",
          );
        }
        const issued = await issueScopedAccessToken(store, clock, admin.account.id, integration.name, scopes);
        const details = {
          id: issued.id,
          accountId: admin.account.id,
          integration: integration.name,
          clientId: integration.id,
          scopes,
          tokenPrefix: issued.tokenPrefix,
          createdAt: issued.createdAt,
          usedAt: null,
          expiresAt: null,
        };
        reply.header('cache-control', 'no-store');
        return reply.code(201).send({ token: tokenJson(details, baseUrl(request), issued.token) });
      },
    );

    app.get<{ Querystring: ListQuery }>(path, { schema: listTokensSchema }, async function listTokens(request, reply) {
      const admin = adminOf(request);
      const size = request.query['page[size]'] ?? defaultPageSize;
      const rows = await store.listAccessTokens(admin.account.id, {
        afterId: request.query['page[after]'] ?? 0,
        limit: size + 1,
      });
      const page = rows.slice(0, size);
      const hasMore = rows.length > size;
      const after = page.at(-1)?.id;
      const query = new URLSearchParams({ 'page[size]': String(size), 'page[after]': String(after) });
      const next = hasMore ? `${baseUrl(request)}${path}?${query.toString()}` : null;
      return reply.send({
        tokens: page.map((token) => tokenJson(token, baseUrl(request))),
        meta: { has_more: hasMore, after_cursor: after === undefined ? null : String(after) },
        links: { next },
      });
    });
  }

  const tokenIdOf = (request: FastifyRequest<{ Params: IdParams }>) => {
    const id = idOf(request.params.id.replace(/\.json$/, ''));
    if (id === undefined) throw NotFound(`No OAuth token with id "${request.params.id}" on this account.`);
    return id;
  };

  app.get<{ Params: IdParams }>(
    '/api/v2/oauth/tokens/:id',
    { schema: showTokenSchema },
    async function showToken(request, reply) {
      const admin = adminOf(request);
      const id = tokenIdOf(request);
      const token = await store.findAccessTokenById(admin.account.id, id);
      if (!token) throw NotFound(`No OAuth token with id ${id} on this account.`);
      return reply.send({ token: tokenJson(token, baseUrl(request)) });
    },
  );

  app.delete<{ Params: IdParams }>(
    '/api/v2/oauth/tokens/:id',
    { schema: revokeTokenSchema },
    async function revokeToken(request, reply) {
      const admin = adminOf(request);
      const id = tokenIdOf(request);
      if (!(await store.deleteAccessToken(admin.account.id, id))) {
        throw NotFound(`No OAuth token with id ${id} on this account.`);
      }
      options.onTokenRevoked(id);
      return reply.code(204).send();
    },
  );

  for (const path of ['/api/v2/oauth/clients/:id/generate_secret', '/api/v2/oauth/clients/:id/generate_secret.json']) {
    app.put<{ Params: IdParams }>(
      path,
      { schema: generateSecretSchema },
      async function generateClientSecret(request, reply) {
        const admin = requireAdmin(options.principalOf(request), 'Managing OAuth clients');
        const id = idOf(request.params.id);
        const secret = generateSecret();
        const integration =
          id === undefined ? undefined : await store.rotateClientSecret(admin.account.id, id, hashSecret(secret));
        if (!integration) throw NotFound(`No OAuth client with id "${request.params.id}" on this account.`);
        reply.header('cache-control', 'no-store');
        return reply.send({ client: clientJson(integration, secret) });
      },
    );
  }
}

/** A positive integer id from path or body text; undefined for anything else. */
function idOf(text: string): number | undefined {
  if (!/^[1-9]\d{0,15}$/.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** The requested scopes: `read` and/or `write`, nothing else, at least one. */
function scopesOf(requested: string[]): TokenScope[] {
  const unknown = requested.filter((scope) => !(tokenScopes as readonly string[]).includes(scope));
  if (unknown.length > 0) {
    throw UnprocessableEntity(
      `Unknown scope ${unknown.map((scope) => JSON.stringify(scope)).join(', ')}: a ZIS token's scopes are "read" and "write".`,
    );
  }
  if (requested.length === 0) throw UnprocessableEntity('scopes is empty: give "read", "write" or both.');
  return tokenScopes.filter((scope) => requested.includes(scope));
}
