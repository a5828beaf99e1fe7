import type { FastifyRequest } from 'fastify';
import { hashSecret } from '../security/secrets.js';
import { epochSeconds, systemClock, type Clock } from '../clock.js';
import type { AccessToken, Account, AccountStore, TokenScope, TokenStore } from '../store/store.js';
import { AuthenticationFailed, Forbidden, NotFound } from './errors.js';
import { subdomainOfHost } from './public-url.js';

/** Who a request acts for: an account's admin, or a bearer token bound to one integration. */
export type Principal =
  | { kind: 'admin'; account: Account; email: string }
  | {
      kind: 'token';
      accountId: number;
      integration: string;
      tokenId: number;
      scopes: readonly TokenScope[];
      /** Epoch seconds after which the token no longer authenticates, or null (never). */
      expiresAt: number | null;
    };

const basicPrefix = /^basic\s+/i;
const bearerPrefix = /^bearer\s+/i;

/**
 * Reads the `Authorization` header: `Bearer {token}` (ZIS OAuth) or basic
 * `{email}/token:{api_token}` (admin API token, as the vendor's API takes it).
 * Throws 401 with a detail that says what was wrong with the header.
 */
export async function authenticate(
  store: AccountStore & TokenStore,
  request: FastifyRequest,
  clock: Clock = systemClock,
): Promise<Principal> {
  const header = request.headers.authorization;
  if (!header) {
    throw AuthenticationFailed(
      'Authentication failed: send "Authorization: Bearer {access_token}", or basic auth "{email}/token:{api_token}".',
    );
  }
  if (bearerPrefix.test(header)) {
    const token = header.replace(bearerPrefix, '').trim();
    const found = token ? await store.findAccessToken(hashSecret(token)) : undefined;
    if (!found) throw AuthenticationFailed('Authentication failed: the bearer token is not valid.');
    const now = epochSeconds(clock);
    if (found.expiresAt !== null && found.expiresAt <= now) {
      throw AuthenticationFailed(
        'Authentication failed: the bearer token has expired. Get a new one with its refresh_token (grant_type=refresh_token).',
      );
    }
    recordUse(store, request, found, now);
    return {
      kind: 'token',
      accountId: found.accountId,
      integration: found.integration,
      tokenId: found.id,
      scopes: found.scopes,
      expiresAt: found.expiresAt,
    };
  }
  if (basicPrefix.test(header)) {
    const decoded = Buffer.from(header.replace(basicPrefix, '').trim(), 'base64').toString('utf8');
    const match = /^(.+)\/token:(.+)$/.exec(decoded);
    if (!match) {
      throw AuthenticationFailed('Authentication failed: basic auth must be "{email}/token:{api_token}".');
    }
    const admin = await store.findAdminByTokenHash(hashSecret(match[2]!));
    if (!admin || admin.email !== match[1]) {
      throw AuthenticationFailed('Authentication failed: the email and API token do not match an admin.');
    }
    return { kind: 'admin', account: admin.account, email: admin.email };
  }
  throw AuthenticationFailed('Authentication failed: the Authorization header must use the Bearer or Basic scheme.');
}

/**
 * Who a failed authentication counts against: the admin's email for basic auth (guesses of
 * one admin's token from many addresses add up), otherwise the header itself.
 */
export function credentialKeyOf(header: string | undefined): string | undefined {
  if (!header || !basicPrefix.test(header)) return header;
  const decoded = Buffer.from(header.replace(basicPrefix, '').trim(), 'base64').toString('utf8');
  const slash = decoded.indexOf('/token:');
  return slash > 0 ? `admin:${decoded.slice(0, slash).toLowerCase()}` : header;
}

/** A token's `used_at` is kept to within this many seconds: at most one write an hour per token. */
export const tokenUseResolutionSeconds = 3600;

/** Records a token's use when its `used_at` is unset or stale, without holding up the request. */
function recordUse(store: AccountStore & TokenStore, request: FastifyRequest, token: AccessToken, now: number): void {
  if (token.usedAt !== null && now - token.usedAt < tokenUseResolutionSeconds) return;
  store.recordAccessTokenUse(token.id, now).catch((error: unknown) => {
    request.log.warn({ err: error }, 'could not record an access token use');
  });
}

export function accountIdOf(principal: Principal): number {
  return principal.kind === 'admin' ? principal.account.id : principal.accountId;
}

/**
 * When the request's Host is `{subdomain}.{baseDomain}`, the account it names must be the
 * principal's. Otherwise: 404, so that whether another account exists does not leak.
 * True when the Host named the principal's account (links may then keep it).
 */
export async function checkHostAccount(
  store: AccountStore & TokenStore,
  request: FastifyRequest,
  baseDomain: string | undefined,
  principal: Principal,
): Promise<boolean> {
  const subdomain = subdomainOfHost(request.hostname, baseDomain);
  if (subdomain === undefined) return false;
  const account = await store.findAccountBySubdomain(subdomain);
  if (!account || account.id !== accountIdOf(principal)) throw NotFound();
  return true;
}

/** Admins reach every integration of their account; a token only its own. */
export function checkIntegrationAccess(principal: Principal, integration: string): void {
  if (principal.kind === 'token' && principal.integration !== integration) {
    throw Forbidden(
      `This access token was issued for integration "${principal.integration}", not "${integration}". ` +
        `Use a token issued for "${integration}".`,
    );
  }
}

/**
 * A token's scopes, as the vendor's: `read` for GET (and HEAD), `write` for every other
 * method. Admins are not limited. 403: the token is valid, it may not do this.
 */
export function checkTokenScope(principal: Principal, method: string): void {
  if (principal.kind !== 'token') return;
  const needed: TokenScope = method === 'GET' || method === 'HEAD' ? 'read' : 'write';
  if (!principal.scopes.includes(needed)) {
    throw Forbidden(
      `This access token has the scopes "${principal.scopes.join(' ')}"; ${method} needs "${needed}". ` +
        `Use a token issued with the "${needed}" scope.`,
    );
  }
}

/** Routes that manage the account (tokens, clients, the registry) take its admin's credentials. */
export function requireAdmin(principal: Principal, what: string): Extract<Principal, { kind: 'admin' }> {
  if (principal.kind !== 'admin') {
    throw Forbidden(`${what} takes the account admin's credentials: basic auth "{email}/token:{api_token}".`);
  }
  return principal;
}
