import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { epochSeconds, type Clock } from '../clock.js';
import { ApiError, AuthenticationFailed } from '../http/errors.js';
import { checkingFailures } from '../http/failure-limits.js';
import { hashSecret } from '../security/secrets.js';
import type { FailureLimiter } from '../store/failure-limiter.js';
import type { AccountStore, SubStores } from '../store/store.js';
import { cookieHeader, readCookie } from './cookies.js';
import { loginCsrfCookie, loginCsrfMatches, loginCsrfSeconds, newLoginCsrf } from './csrf.js';
import { renderPage } from './render.js';
import {
  encodeSession,
  newSession,
  sessionCookie,
  sessionIdHash,
  sessionSeconds,
  type ConsoleKeys,
} from './session.js';
import { adminOf, safeNext } from './signed-in.js';

export interface LoginOptions {
  store: AccountStore & Pick<SubStores, 'grants'>;
  clock: Clock;
  keys: ConsoleKeys;
  failures: FailureLimiter;
}

interface LoginForm {
  email?: string;
  api_token?: string;
  _csrf?: string;
  next?: string;
}

const secure = (request: FastifyRequest) => request.protocol === 'https';

/** The login page: the account admin's email and API token, exchanged for a session cookie. */
export async function loginRoutes(app: FastifyInstance, options: LoginOptions): Promise<void> {
  const { store, clock, keys } = options;
  await app.register(formbody);

  const loginPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    fields: { email: string; next: string; error?: string; status?: number },
  ) => {
    const pair = newLoginCsrf(keys, epochSeconds(clock));
    reply.header(
      'set-cookie',
      cookieHeader(loginCsrfCookie, pair.cookie, {
        path: '/console/login',
        maxAgeSeconds: loginCsrfSeconds,
        secure: secure(request),
      }),
    );
    return renderPage(
      reply,
      'login',
      { title: 'Sign in', section: 'login', viewer: undefined, status: fields.status },
      { ...fields, loginCsrf: pair.token },
    );
  };

  app.get<{ Querystring: { next?: string } }>('/console/login', async function consoleLoginPage(request, reply) {
    return loginPage(request, reply, { email: '', next: safeNext(request.query.next) });
  });

  app.post<{ Body: LoginForm | undefined }>('/console/login', async function consoleLogin(request, reply) {
    const form = request.body ?? {};
    const email = typeof form.email === 'string' ? form.email.trim() : '';
    const token = typeof form.api_token === 'string' ? form.api_token.trim() : '';
    const next = safeNext(form.next);
    const cookie = readCookie(request.headers.cookie, loginCsrfCookie);
    if (!loginCsrfMatches(keys, cookie, form._csrf, epochSeconds(clock))) {
      return loginPage(request, reply, {
        email,
        next,
        status: 403,
        error: 'The sign-in form had expired or came from another site. Sign in again on this page.',
      });
    }
    let identity;
    try {
      // Failed sign-ins count like failed basic auth: per address and per admin email.
      identity = await checkingFailures(options.failures, request, `admin:${email.toLowerCase()}`, async () => {
        const admin = email && token ? await store.findAdminByTokenHash(hashSecret(token)) : undefined;
        if (!admin || admin.email !== email) {
          throw AuthenticationFailed(
            'The email and API token do not match an admin of any account. Check both and try again.',
          );
        }
        return admin;
      });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
      return loginPage(request, reply, { email, next, status: error.statusCode, error: error.detail });
    }
    const nowSeconds = epochSeconds(clock);
    const session = newSession(
      { accountId: identity.account.id, email: identity.email, tokenHash: hashSecret(token) },
      nowSeconds,
    );
    // Stored before the cookie is sent: a session exists only while its row does.
    await store.grants.createConsoleSession({
      idHash: sessionIdHash(session),
      accountId: session.accountId,
      nowSeconds,
      expiresAt: session.expiresAt,
    });
    reply.header('set-cookie', [
      cookieHeader(sessionCookie, encodeSession(keys, session), {
        path: '/console',
        maxAgeSeconds: sessionSeconds,
        secure: secure(request),
      }),
      cookieHeader(loginCsrfCookie, '', { path: '/console/login', maxAgeSeconds: 0, secure: secure(request) }),
    ]);
    return reply.redirect(next, 303);
  });
}

/**
 * Sign out: inside the signed-in scope, so it takes the session's CSRF token like any form.
 * The session's row is deleted: the cookie stops working on every node, even if kept.
 */
export async function logoutRoutes(
  app: FastifyInstance,
  options: { store: AccountStore & Pick<SubStores, 'grants'> },
): Promise<void> {
  app.post('/console/logout', async function consoleLogout(request, reply) {
    const { session } = adminOf(request);
    if (session) await options.store.grants.deleteConsoleSession(sessionIdHash(session));
    reply.header(
      'set-cookie',
      cookieHeader(sessionCookie, '', { path: '/console', maxAgeSeconds: 0, secure: secure(request) }),
    );
    return reply.redirect('/console/login', 303);
  });
}
