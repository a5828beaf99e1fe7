import { epochSeconds } from '../../clock.js';
import { issueScopedAccessToken } from '../../accounts/provision.js';
import { AuthenticationFailed, BadRequest } from '../../http/errors.js';
import { withOAuthCode } from '../../http/oauth-envelope.js';
import { verifierMatches } from '../../security/pkce.js';
import { generateSecret, hashSecret } from '../../security/secrets.js';
import type { Integration, TokenScope } from '../../store/store.js';
import { authenticateClient, clientCredentialsOf, type TokenRequest } from './oauth-client-auth.js';
import { grantedScopes, scopeText } from './oauth-scopes.js';
import type { GrantHandler, OAuthTokenRoutesOptions } from './oauth-grant.js';

/**
 * Lifetimes of the authorization-code grant's tokens, as the vendor documents them: a
 * request may ask for `expires_in` (300 s – 2 days) and `refresh_token_expires_in` (7 – 90
 * days); without them, 1 hour and 30 days.
 */
export const tokenLifetimes = {
  access: { default: 3600, min: 300, max: 172_800 },
  refresh: { default: 2_592_000, min: 604_800, max: 7_776_000 },
} as const;

const invalidGrant = (detail: string) => withOAuthCode(BadRequest(detail), 'invalid_grant');
const invalidRequest = (detail: string) => withOAuthCode(BadRequest(detail), 'invalid_request');

/** A lifetime the request asks for (form fields are text), within the vendor's bounds. */
function lifetimeOf(asked: unknown, name: string, bounds: { default: number; min: number; max: number }): number {
  if (asked === undefined || asked === '') return bounds.default;
  const seconds =
    typeof asked === 'number' ? asked : typeof asked === 'string' && /^\d{1,10}$/.test(asked) ? Number(asked) : NaN;
  if (!Number.isInteger(seconds) || seconds < bounds.min || seconds > bounds.max) {
    throw invalidRequest(`${name} must be whole seconds from ${bounds.min} to ${bounds.max}.`);
  }
  return seconds;
}

const requiredText = (body: TokenRequest, name: keyof TokenRequest): string => {
  const value = body[name];
  if (typeof value !== 'string' || value === '') throw invalidRequest(`${name} is missing.`);
  return value;
};

/**
 * An expiring access token with a refresh token beside it: what both grants answer. The
 * refresh token is kept as its hash, once, and replaced at every use.
 */
async function issueExpiringPair(
  options: OAuthTokenRoutesOptions,
  integration: Integration,
  scopes: TokenScope[],
  body: TokenRequest,
  publicClient: boolean,
) {
  const accessSeconds = lifetimeOf(body.expires_in, 'expires_in', tokenLifetimes.access);
  const refreshSeconds = lifetimeOf(body.refresh_token_expires_in, 'refresh_token_expires_in', tokenLifetimes.refresh);
  const now = epochSeconds(options.clock);
  const issued = await issueScopedAccessToken(
    options.store,
    options.clock,
    integration.accountId,
    integration.name,
    scopes,
    now + accessSeconds,
  );
  const refreshToken = generateSecret('sbrt_');
  await options.store.grants.createRefreshToken({
    tokenHash: hashSecret(refreshToken),
    accountId: integration.accountId,
    integration: integration.name,
    scopes,
    publicClient,
    createdAt: now,
    expiresAt: now + refreshSeconds,
    accessTokenId: issued.id,
  });
  return {
    access_token: issued.token,
    token_type: 'bearer',
    scope: scopeText(scopes),
    expires_in: accessSeconds,
    refresh_token: refreshToken,
    refresh_token_expires_in: refreshSeconds,
  };
}

/**
 * `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.5): a code from the
 * consent page, for the client it was issued to, with the same redirect_uri, once, within
 * its five minutes. With PKCE the code_verifier must match and may stand in for the
 * client secret; without, the secret is required. Any exchange by its client spends the code.
 */
export function authorizationCodeGrant(options: OAuthTokenRoutesOptions): GrantHandler {
  return async function authorizationCode(request) {
    const body = request.body ?? {};
    const code = requiredText(body, 'code');
    const redirectUri = requiredText(body, 'redirect_uri');
    const verifier = typeof body.code_verifier === 'string' ? body.code_verifier : undefined;
    const secretSent = clientCredentialsOf(body, request.headers.authorization)?.secret !== undefined;
    const integration = await authenticateClient(options, request, {
      secretOptional: verifier !== undefined,
    });
    const grant = await options.store.grants.takeAuthorizationCode(hashSecret(code), {
      accountId: integration.accountId,
      integration: integration.name,
    });
    if (!grant) throw invalidGrant('The code is not valid for this client, or was used already: authorize again.');
    if (grant.expiresAt <= epochSeconds(options.clock)) throw invalidGrant('The code has expired: authorize again.');
    if (grant.redirectUri !== redirectUri) {
      throw invalidGrant('redirect_uri is not the one the code was issued for: send the same redirect_uri.');
    }
    if (grant.codeChallenge !== null) {
      if (verifier === undefined || !verifierMatches(verifier, grant.codeChallenge)) {
        throw invalidGrant('code_verifier does not match the code_challenge (S256) the code was issued with.');
      }
    } else if (!secretSent) {
      throw withOAuthCode(
        AuthenticationFailed('This code was issued without PKCE: send client_secret to exchange it.'),
        'invalid_client',
      );
    } else if (verifier !== undefined) {
      throw invalidGrant('code_verifier was sent, but the code was issued without a code_challenge.');
    }
    const scopes = grantedScopes(body.scope, grant.scopes);
    return issueExpiringPair(options, integration, scopes, body, !secretSent);
  };
}

/**
 * `grant_type=refresh_token` (RFC 6749 §6): a new access token and a new refresh token for
 * the old one, which stops working (rotation). The scope may narrow, never widen. A
 * refresh token issued to a PKCE client without a secret is refreshed without one.
 */
export function refreshTokenGrant(options: OAuthTokenRoutesOptions): GrantHandler {
  return async function refreshToken(request) {
    const body = request.body ?? {};
    const presented = requiredText(body, 'refresh_token');
    const secretSent = clientCredentialsOf(body, request.headers.authorization)?.secret !== undefined;
    const integration = await authenticateClient(options, request, { secretOptional: true });
    const old = await options.store.grants.takeRefreshToken(hashSecret(presented), {
      accountId: integration.accountId,
      integration: integration.name,
    });
    if (!old || old.expiresAt <= epochSeconds(options.clock)) {
      throw invalidGrant(
        'The refresh token is not valid for this client, has expired or was used already: authorize again.',
      );
    }
    if (!old.publicClient && !secretSent) {
      throw withOAuthCode(
        AuthenticationFailed('Send client_secret with this refresh token (it was issued to a confidential client).'),
        'invalid_client',
      );
    }
    const scopes = grantedScopes(body.scope, old.scopes);
    return issueExpiringPair(options, integration, scopes, body, old.publicClient);
  };
}
