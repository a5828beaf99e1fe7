import { BadRequest, NotFound } from '../http/errors.js';
import { isPkceText } from '../security/pkce.js';
import type { OAuthClient, SubStores, TokenScope, TokenStore } from '../store/store.js';
import { tokenScopes } from '../store/store.js';
import { isLoopbackRedirect } from './redirect-uris.js';

/** The console's consent page: `GET /oauth/authorizations/new` sends the browser here (the session cookie is scoped to /console). */
export const consentPath = '/console/oauth/authorizations';

/** How long an authorization code may wait for its exchange (RFC 6749 §4.1.2: at most 10 minutes). */
export const authorizationCodeSeconds = 300;

/** An authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3), as the query or the consent form carries it. */
export interface AuthorizationParams {
  response_type?: unknown;
  client_id?: unknown;
  redirect_uri?: unknown;
  scope?: unknown;
  state?: unknown;
  code_challenge?: unknown;
  code_challenge_method?: unknown;
}

/** A request whose client and redirect URI are known: what the consent page shows and approves. */
export interface AuthorizationRequest {
  client: OAuthClient;
  redirectUri: string;
  scopes: TokenScope[];
  state: string | undefined;
  codeChallenge: string | null;
}

/** An error the client hears of at its redirect URI (RFC 6749 §4.1.2.1). */
export interface RedirectedError {
  redirectUri: string;
  state: string | undefined;
  error: 'invalid_request' | 'unsupported_response_type' | 'invalid_scope' | 'access_denied';
  description: string;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The redirect URI with the answer's fields added to its query. */
export function redirectWith(redirectUri: string, fields: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}

/**
 * Checks an authorization request for the signed-in admin's account. A wrong client or
 * redirect URI throws (shown to the admin, never redirected: RFC 6749 §4.1.2.1 forbids
 * sending anything to an unverified URI); anything else wrong is a `RedirectedError`.
 * `redirect_uri` must be one of the client's; when the client has one and the request
 * names none, that one. In development, an `http` loopback URI passes unregistered.
 */
export async function checkAuthorizationRequest(
  store: TokenStore & Pick<SubStores, 'grants'>,
  accountId: number,
  params: AuthorizationParams,
  options: { allowLoopbackRedirects: boolean },
): Promise<AuthorizationRequest | RedirectedError> {
  const clientId = text(params.client_id);
  if (!clientId) throw BadRequest('client_id is missing: the OAuth client identifier, such as zis_my_integration_1.');
  const integration = await store.findIntegrationByClientIdentifier(clientId);
  const client = integration && (await store.grants.findOAuthClient(accountId, integration.id));
  if (!client) throw NotFound(`No OAuth client ${JSON.stringify(clientId)} on this account.`);
  const asked = text(params.redirect_uri);
  let redirectUri: string;
  if (asked === undefined || asked === '') {
    if (client.redirectUris.length !== 1) {
      throw BadRequest(
        `redirect_uri is missing, and client ${clientId} has ${client.redirectUris.length} redirect URIs: name one of them.`,
      );
    }
    redirectUri = client.redirectUris[0]!;
  } else if (client.redirectUris.includes(asked) || (options.allowLoopbackRedirects && isLoopbackRedirect(asked))) {
    redirectUri = asked;
  } else {
    throw BadRequest(
      `redirect_uri ${JSON.stringify(asked)} is not one of client ${clientId}'s: add it with ` +
        `PUT /api/v2/oauth/clients/${client.integration.id}.json {"client":{"redirect_uri":[…]}}.`,
    );
  }
  const state = text(params.state);
  const refuse = (error: RedirectedError['error'], description: string): RedirectedError => ({
    redirectUri,
    state,
    error,
    description,
  });
  if (params.response_type !== 'code') return refuse('unsupported_response_type', 'response_type must be "code".');
  const scopeText = text(params.scope) ?? '';
  if (params.scope !== undefined && typeof params.scope !== 'string') {
    return refuse('invalid_request', 'scope must be space-separated text.');
  }
  const names = scopeText.split(' ').filter((name) => name !== '');
  const unknown = names.filter((name) => !(tokenScopes as readonly string[]).includes(name));
  if (unknown.length > 0) {
    return refuse('invalid_scope', `Unknown scope ${unknown.join(', ')}: the scopes are "read" and "write".`);
  }
  const scopes = names.length === 0 ? [...tokenScopes] : tokenScopes.filter((scope) => names.includes(scope));
  const challenge = text(params.code_challenge);
  const method = text(params.code_challenge_method);
  if (challenge !== undefined) {
    if (method !== 'S256') return refuse('invalid_request', 'code_challenge_method must be "S256".');
    if (!isPkceText(challenge)) return refuse('invalid_request', 'code_challenge must be 43-128 base64url characters.');
  } else if (method !== undefined) {
    return refuse('invalid_request', 'code_challenge_method was sent without code_challenge.');
  }
  return { client, redirectUri, scopes, state, codeChallenge: challenge ?? null };
}
