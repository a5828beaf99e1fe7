import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { epochSeconds } from '../clock.js';
import { generateSecret, hashSecret } from '../security/secrets.js';
import {
  authorizationCodeSeconds,
  checkAuthorizationRequest,
  consentPath,
  redirectWith,
  type AuthorizationParams,
  type AuthorizationRequest,
  type RedirectedError,
} from '../support/oauth-authorization.js';
import type { ConsoleContext } from './console-context.js';
import { renderPage } from './render.js';
import { adminOf, viewerOf } from './signed-in.js';

export interface ConsentOptions extends ConsoleContext {
  /** Development: `http` loopback redirect URIs pass without being registered. */
  allowLoopbackRedirects: boolean;
}

const isRedirected = (checked: AuthorizationRequest | RedirectedError): checked is RedirectedError =>
  'error' in checked;

/** The authorization request's fields the consent form carries to its POST (checked again there). */
function formFields(params: AuthorizationParams): Record<string, string> {
  const names = [
    'response_type',
    'client_id',
    'redirect_uri',
    'scope',
    'state',
    'code_challenge',
    'code_challenge_method',
  ];
  const kept: Record<string, string> = {};
  for (const name of names) {
    const value = params[name as keyof AuthorizationParams];
    if (typeof value === 'string') kept[name] = value;
  }
  return kept;
}

const sendError = (reply: FastifyReply, refused: RedirectedError) =>
  reply.redirect(
    redirectWith(refused.redirectUri, {
      error: refused.error,
      error_description: refused.description,
      state: refused.state,
    }),
    303,
  );

/**
 * The OAuth authorization-code grant's consent page (RFC 6749 §4.1), in the console: the
 * signed-in admin sees which client asks for which scopes and where it returns, and allows
 * or denies. Allow stores a one-use code (as its hash, for {@link authorizationCodeSeconds})
 * and redirects to the client's redirect URI with it and `state`; deny redirects with
 * `error=access_denied`. The form carries the session's CSRF token like every console form.
 */
export async function oauthConsentPages(app: FastifyInstance, options: ConsentOptions): Promise<void> {
  const { store, clock } = options;
  const check = (request: FastifyRequest, params: AuthorizationParams) =>
    checkAuthorizationRequest(store, adminOf(request).account.id, params, {
      allowLoopbackRedirects: options.allowLoopbackRedirects,
    });

  app.get<{ Querystring: AuthorizationParams }>(
    consentPath,
    {
      // The form's POST answers with a redirect to the client: the page's CSP must let a form go there.
      onSend: (request, reply, payload, done) => {
        const target = (request as FastifyRequest & { consentOrigin?: string }).consentOrigin;
        const policy = reply.getHeader('content-security-policy');
        if (target && typeof policy === 'string') {
          reply.header('content-security-policy', policy.replace("form-action 'self'", `form-action 'self' ${target}`));
        }
        done(null, payload);
      },
    },
    async function consentPage(request, reply) {
      const checked = await check(request, request.query);
      if (isRedirected(checked)) return sendError(reply, checked);
      (request as FastifyRequest & { consentOrigin?: string }).consentOrigin = new URL(checked.redirectUri).origin;
      const admin = adminOf(request);
      const { integration } = checked.client;
      return renderPage(
        reply,
        'oauth-consent',
        { title: `Allow ${integration.name}?`, section: 'integrations', viewer: viewerOf(request) },
        {
          clientName: integration.name,
          identifier: integration.clientIdentifier,
          description: checked.client.description,
          subdomain: admin.account.subdomain,
          scopes: checked.scopes,
          scopeMeaning: checked.scopes.includes('write') ? 'read and change its configs' : 'read its configs only',
          redirectUri: checked.redirectUri,
          fields: formFields(request.query),
        },
      );
    },
  );

  app.post<{ Body: AuthorizationParams & { decision?: unknown } }>(
    consentPath,
    async function consentDecision(request, reply) {
      const body = request.body ?? {};
      const checked = await check(request, body);
      if (isRedirected(checked)) return sendError(reply, checked);
      if (body.decision !== 'approve') {
        return sendError(reply, {
          redirectUri: checked.redirectUri,
          state: checked.state,
          error: 'access_denied',
          description: 'The admin denied the request.',
        });
      }
      const admin = adminOf(request);
      const code = generateSecret('sbac_');
      const now = epochSeconds(clock);
      await store.grants.createAuthorizationCode({
        codeHash: hashSecret(code),
        accountId: admin.account.id,
        integration: checked.client.integration.name,
        scopes: checked.scopes,
        redirectUri: checked.redirectUri,
        codeChallenge: checked.codeChallenge,
        adminEmail: admin.email,
        createdAt: now,
        expiresAt: now + authorizationCodeSeconds,
      });
      return reply.redirect(redirectWith(checked.redirectUri, { code, state: checked.state }), 303);
    },
  );
}
