import type { FastifyRequest } from 'fastify';
import { AuthenticationFailed, BadRequest } from '../../http/errors.js';
import { checkingFailures } from '../../http/failure-limits.js';
import { subdomainOfHost } from '../../http/public-url.js';
import { withOAuthCode } from '../../http/oauth-envelope.js';
import { secretMatchesHash } from '../../security/secrets.js';
import type { FailureLimiter } from '../../store/failure-limiter.js';
import type { AccountStore, Integration, TokenStore } from '../../store/store.js';

/** The fields of a token request (RFC 6749 §4), form or JSON. */
export interface TokenRequest {
  grant_type?: unknown;
  client_id?: unknown;
  client_secret?: unknown;
  scope?: unknown;
  code?: unknown;
  redirect_uri?: unknown;
  code_verifier?: unknown;
  refresh_token?: unknown;
  expires_in?: unknown;
  refresh_token_expires_in?: unknown;
}

/** Client credentials from the body, or from HTTP basic auth (RFC 6749 §2.3.1); the secret may be absent. */
export function clientCredentialsOf(
  body: TokenRequest,
  authorization: string | undefined,
): { id: string; secret: string | undefined } | undefined {
  if (typeof body.client_id === 'string') {
    return { id: body.client_id, secret: typeof body.client_secret === 'string' ? body.client_secret : undefined };
  }
  if (authorization && /^basic\s+/i.test(authorization)) {
    const decoded = Buffer.from(authorization.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      try {
        return {
          id: decodeURIComponent(decoded.slice(0, colon)),
          secret: decodeURIComponent(decoded.slice(colon + 1)),
        };
      } catch {
        throw withOAuthCode(
          BadRequest('The basic auth credentials are not valid URL-encoded text.'),
          'invalid_request',
        );
      }
    }
  }
  return undefined;
}

const clientFailed = () =>
  withOAuthCode(
    AuthenticationFailed('Authentication failed: client_id and client_secret do not match a registered integration.'),
    'invalid_client',
  );

/**
 * The OAuth client a token request comes from. With `secretOptional` (a PKCE exchange, whose
 * code_verifier proves the caller), a request without a secret names its client by
 * client_id alone; a secret that is sent must still match. Failures count against the
 * per-address and per-credential limits.
 */
export async function authenticateClient(
  {
    store,
    failures,
    baseDomain,
  }: { store: AccountStore & TokenStore; failures: FailureLimiter; baseDomain: string | undefined },
  request: FastifyRequest<{ Body: TokenRequest | undefined }>,
  options: { secretOptional: boolean } = { secretOptional: false },
): Promise<Integration> {
  const credentials = clientCredentialsOf(request.body ?? {}, request.headers.authorization);
  if (!credentials || (credentials.secret === undefined && !options.secretOptional)) {
    throw withOAuthCode(
      BadRequest(
        "Send client_id and client_secret (the integration's zendesk_oauth_client identifier and secret), " +
          'in the body or as HTTP basic auth.',
      ),
      'invalid_request',
    );
  }
  return checkingFailures(failures, request, credentials.id, async () => {
    const found = await store.findIntegrationByClientIdentifier(credentials.id);
    if (!found) throw clientFailed();
    if (credentials.secret !== undefined && !secretMatchesHash(credentials.secret, found.clientSecretHash)) {
      throw clientFailed();
    }
    // On `{subdomain}.{base domain}` the client must be that account's, as credentials on every route.
    const subdomain = subdomainOfHost(request.hostname, baseDomain);
    if (subdomain !== undefined && (await store.findAccountBySubdomain(subdomain))?.id !== found.accountId) {
      throw clientFailed();
    }
    return found;
  });
}
