import type { FastifyInstance } from 'fastify';
import { issueScopedAccessToken, registerIntegration } from '../accounts/provision.js';
import { NotFound, UnprocessableEntity } from '../http/errors.js';
import { generateSecret, hashSecret } from '../security/secrets.js';
import { tokenScopes, type TokenScope } from '../store/store.js';
import { isIntegrationName } from '../zis/names.js';
import type { ConsoleContext } from './console-context.js';
import { field, fields, positiveInt } from './forms.js';
import { redirectAfterPost, renderPage } from './render.js';
import { adminOf, viewerOf } from './signed-in.js';

const tokenPageSize = 50;
const trail: [string, string][] = [['Integrations & tokens', '/console/integrations']];

/**
 * ZIS integrations and their OAuth clients, and bearer tokens: the same functions as the
 * registry and the Support OAuth API. Secrets and tokens are shown once, on the page the
 * POST answers (not cached), and never again.
 */
export async function tokenPages(app: FastifyInstance, context: ConsoleContext): Promise<void> {
  const { store, clock } = context;
  const viewer = (request: Parameters<typeof viewerOf>[0]) => viewerOf(request);

  app.get<{ Querystring: Record<string, string> }>(
    '/console/integrations',
    async function consoleTokens(request, reply) {
      const account = adminOf(request).account;
      const after = positiveInt(field(request.query, 'after')) ?? 0;
      const [integrations, rows] = await Promise.all([
        store.listIntegrations(account.id),
        store.listAccessTokens(account.id, { afterId: after, limit: tokenPageSize + 1 }),
      ]);
      const tokens = rows.slice(0, tokenPageSize);
      return renderPage(
        reply,
        'integrations',
        { title: 'Integrations & tokens', section: 'integrations', viewer: viewer(request) },
        {
          integrations,
          tokens,
          after,
          next: rows.length > tokenPageSize ? tokens.at(-1)!.id : undefined,
          scopes: tokenScopes,
        },
      );
    },
  );

  app.post('/console/integrations', async function consoleRegisterIntegration(request, reply) {
    const account = adminOf(request).account;
    const name = field(request.body, 'name').trim();
    if (!isIntegrationName(name)) {
      throw UnprocessableEntity(
        `"${name}" is not a valid integration name: use 1–64 lowercase letters, digits, "_" or "-".`,
      );
    }
    const registered = await registerIntegration(store, clock, account.id, name);
    if (registered === 'exists')
      throw UnprocessableEntity(`Integration "${name}" is already registered on this account.`);
    return renderPage(
      reply,
      'secret',
      { title: `Registered ${name}`, section: 'integrations', viewer: viewer(request), trail, status: 201 },
      {
        lead: `Integration "${name}" is registered. Its OAuth client secret is shown this once: copy it now.`,
        facts: [
          ['OAuth client identifier', registered.integration.clientIdentifier],
          ['OAuth client id', String(registered.integration.id)],
        ],
        secretLabel: 'Client secret',
        secret: registered.clientSecret,
      },
    );
  });

  app.post<{ Params: { id: string } }>(
    '/console/integrations/:id/secret',
    async function consoleRotateSecret(request, reply) {
      const account = adminOf(request).account;
      const id = positiveInt(request.params.id);
      const secret = generateSecret();
      const integration =
        id === undefined ? undefined : await store.rotateClientSecret(account.id, id, hashSecret(secret));
      if (!integration) throw NotFound(`There is no OAuth client ${request.params.id} on this account.`);
      return renderPage(
        reply,
        'secret',
        { title: `New secret for ${integration.name}`, section: 'integrations', viewer: viewer(request), trail },
        {
          lead: `The OAuth client of "${integration.name}" has a new secret; the old one no longer works. It is shown this once.`,
          facts: [['OAuth client identifier', integration.clientIdentifier]],
          secretLabel: 'Client secret',
          secret,
        },
      );
    },
  );

  app.post('/console/tokens', async function consoleIssueToken(request, reply) {
    const account = adminOf(request).account;
    const clientId = positiveInt(field(request.body, 'client_id'));
    const integration = clientId === undefined ? undefined : await store.findIntegrationById(account.id, clientId);
    if (!integration) throw UnprocessableEntity('Choose one of the registered integrations for the token.');
    const scopes = fields(request.body, 'scopes').filter((s): s is TokenScope =>
      (tokenScopes as readonly string[]).includes(s),
    );
    if (scopes.length === 0) throw UnprocessableEntity('Choose at least one scope for the token: read, write or both.');
    const issued = await issueScopedAccessToken(store, clock, account.id, integration.name, scopes);
    return renderPage(
      reply,
      'secret',
      { title: `Token for ${integration.name}`, section: 'integrations', viewer: viewer(request), trail, status: 201 },
      {
        lead: `A bearer token for "${integration.name}" with the scopes ${scopes.join(' and ')}. It is shown this once: copy it now.`,
        facts: [
          ['Token id', String(issued.id)],
          ['Starts with', issued.tokenPrefix],
        ],
        secretLabel: 'Bearer token',
        secret: issued.token,
      },
    );
  });

  app.get<{ Params: { id: string } }>(
    '/console/tokens/:id/revoke',
    async function consoleConfirmRevoke(request, reply) {
      const account = adminOf(request).account;
      const id = positiveInt(request.params.id);
      const token = id === undefined ? undefined : await store.findAccessTokenById(account.id, id);
      if (!token)
        throw NotFound(`There is no token ${request.params.id} on this account; it may have been revoked already.`);
      return renderPage(
        reply,
        'confirm',
        { title: `Revoke token ${token.id}?`, section: 'integrations', viewer: viewer(request), trail },
        {
          message: `The token ${token.tokenPrefix ?? ''}… of "${token.integration}" stops working at once. This cannot be undone.`,
          action: `/console/tokens/${token.id}/revoke`,
          fields: {},
          confirm: 'Revoke token',
          cancel: '/console/integrations',
        },
      );
    },
  );

  app.post<{ Params: { id: string } }>('/console/tokens/:id/revoke', async function consoleRevokeToken(request, reply) {
    const account = adminOf(request).account;
    const id = positiveInt(request.params.id);
    if (id === undefined || !(await store.deleteAccessToken(account.id, id))) {
      throw NotFound(`There is no token ${request.params.id} on this account; it may have been revoked already.`);
    }
    context.onTokenRevoked(id);
    return redirectAfterPost(reply, '/console/integrations', `Revoked token ${id}.`);
  });
}
