import type { FastifyInstance, FastifyRequest } from 'fastify';
import { epochSeconds, type Clock } from '../clock.js';
import { authenticate, checkHostAccount, credentialKeyOf, type Principal } from '../http/authenticate.js';
import { Forbidden } from '../http/errors.js';
import { checkingFailures } from '../http/failure-limits.js';
import { checkSameOrigin } from '../http/same-origin.js';
import type { FailureLimiter } from '../store/failure-limiter.js';
import type { Account, AccountStore, SubStores, TokenStore } from '../store/store.js';
import { readCookie } from './cookies.js';
import { csrfField, csrfHeader, csrfTokenMatches, csrfTokenOf } from './csrf.js';
import type { Viewer } from './render.js';
import { decodeSession, sessionCookie, sessionIdHash, type ConsoleKeys, type Session } from './session.js';

/** The admin a console request acts for, and how they signed in. */
export interface ConsoleAdmin {
  account: Account;
  email: string;
  /** Present when signed in through the login page; absent for basic auth. */
  session?: Session;
  csrf?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    consoleAdmin: ConsoleAdmin | null;
  }
}

export interface SignInOptions {
  store: AccountStore & TokenStore & Pick<SubStores, 'grants'>;
  clock: Clock;
  keys: ConsoleKeys;
  failures: FailureLimiter;
  baseDomain: string | undefined;
}

/** The console admin of a request inside the signed-in scope. */
export function adminOf(request: FastifyRequest): ConsoleAdmin {
  if (!request.consoleAdmin) throw new Error('console route outside the signed-in scope');
  return request.consoleAdmin;
}

/** The admin as the principal the features' functions take. */
export function principalOf(request: FastifyRequest): Principal {
  const admin = adminOf(request);
  return { kind: 'admin', account: admin.account, email: admin.email };
}

/** What the page header shows; undefined outside the signed-in scope. */
export function viewerOf(request: FastifyRequest): Viewer | undefined {
  const admin = request.consoleAdmin;
  return admin ? { subdomain: admin.account.subdomain, email: admin.email, csrf: admin.csrf } : undefined;
}

/** Only paths of the console itself may be the page to return to after signing in. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/console(?:[/?]|$)/.test(next) && !next.includes('\\') ? next : '/console';
}

/**
 * Every console page takes the account admin: a session cookie from the login page, or
 * basic auth `{email}/token:{api_token}` as scripts send it to the API. The session (in the
 * store since sign-in) and its token are looked up again on every request, so signing out
 * or revoking the token ends it on every node. Without
 * either, a page redirects to the login page. Every POST in a session must carry the
 * session's CSRF token (form field `_csrf` or header `X-CSRF-Token`).
 */
export function installSignIn(scope: FastifyInstance, options: SignInOptions): void {
  const { store, clock, keys } = options;
  scope.decorateRequest('consoleAdmin', null);

  scope.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const principal = await checkingFailures(options.failures, request, credentialKeyOf(header), () =>
        authenticate(store, request, clock),
      );
      if (principal.kind !== 'admin') {
        throw Forbidden("The console takes the account admin's credentials: sign in at /console/login.");
      }
      request.hostNamedAccount = await checkHostAccount(store, request, options.baseDomain, principal);
      if (request.method !== 'GET' && request.method !== 'HEAD') checkSameOrigin(request);
      request.consoleAdmin = { account: principal.account, email: principal.email };
      return;
    }
    const nowSeconds = epochSeconds(clock);
    const session = decodeSession(keys, readCookie(request.headers.cookie, sessionCookie), nowSeconds);
    // Both looked up on every request, on every node: signing out or revoking the token ends it at once.
    const [admin, active] = session
      ? await Promise.all([
          store.findAdminByTokenHash(session.tokenHash),
          store.grants.consoleSessionActive(sessionIdHash(session), nowSeconds),
        ])
      : [undefined, false];
    if (!session || !active || !admin || admin.account.id !== session.accountId || admin.email !== session.email) {
      const next = request.method === 'GET' ? safeNext(request.url) : '/console';
      return reply.redirect(`/console/login?next=${encodeURIComponent(next)}`, 303);
    }
    const principal: Principal = { kind: 'admin', account: admin.account, email: admin.email };
    // Links (the admin UI's return_url) keep the Host only when it named this account.
    request.hostNamedAccount = await checkHostAccount(store, request, options.baseDomain, principal);
    request.consoleAdmin = { account: admin.account, email: admin.email, session, csrf: csrfTokenOf(keys, session) };
  });

  // After the body is read: the token may come in the form.
  scope.addHook('preHandler', async (request) => {
    const admin = request.consoleAdmin;
    if (!admin?.session || request.method === 'GET' || request.method === 'HEAD') return;
    const body = request.body as Record<string, unknown> | undefined;
    const presented = request.headers[csrfHeader] ?? body?.[csrfField];
    if (!csrfTokenMatches(keys, admin.session, presented)) {
      throw Forbidden(
        "This form was refused: it did not carry this session's security token (CSRF check). " +
          'Open the page again from the console and submit it from there.',
      );
    }
  });
}
