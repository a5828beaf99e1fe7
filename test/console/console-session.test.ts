import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { hashSecret } from '../../src/security/secrets.js';
import { createTenant, openTempSqlite, startServer, type Tenant, type TestServer } from '../helpers/server.js';

/**
 * The console's sign-in rules without a browser: every page takes a session (or basic auth),
 * the session cookie's flags, expiry and revocation, and the CSRF check on every POST.
 */
describe('console sessions and CSRF', () => {
  let server: TestServer;
  let tenant: Tenant;
  let cleanup: () => Promise<void>;
  let now = Date.parse('2026-01-01T00:00:00Z');
  const clock: Clock = () => new Date(now);

  beforeAll(async () => {
    const opened = await openTempSqlite();
    cleanup = opened.cleanup;
    server = await startServer(opened.store, { clock, settings: { trustProxy: true } });
    tenant = await createTenant(opened.store, 'acme', ['zendesk']);
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  const inject = (options: InjectOptions) => server.app.inject(options);
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const formHeaders = (cookie?: string) => ({
    'content-type': 'application/x-www-form-urlencoded',
    ...(cookie ? { cookie } : {}),
  });
  const cookieOf = (setCookie: string | string[] | undefined, name: string) =>
    ([] as string[]).concat(setCookie ?? []).find((c) => c.startsWith(`${name}=`));

  /** The login page's double-submit pair, then the sign-in POST. */
  const signIn = async (fields: {
    email?: string;
    token?: string;
    next?: string;
    headers?: Record<string, string>;
  }) => {
    const page = await inject({ method: 'GET', url: '/console/login', headers: fields.headers });
    const loginCookie = cookieOf(page.headers['set-cookie'], 'switchboard_console_login')!.split(';')[0]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    return inject({
      method: 'POST',
      url: '/console/login',
      headers: { ...formHeaders(loginCookie), ...fields.headers },
      payload: form({
        email: fields.email ?? tenant.adminEmail,
        api_token: fields.token ?? tenant.apiToken,
        _csrf: csrf,
        next: fields.next ?? '/console/configs',
      }),
    });
  };
  const sessionOf = async (token = tenant.apiToken) => {
    const response = await signIn({ token });
    return cookieOf(response.headers['set-cookie'], 'switchboard_console')!.split(';')[0]!;
  };
  const csrfFor = async (cookie: string) => {
    const page = await inject({ method: 'GET', url: '/console/integrations', headers: { cookie } });
    return /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
  };

  it('sends every page to the login page without a session, keeping where it was going', async () => {
    for (const path of [
      '/console',
      '/console/configs',
      '/console/configs/zendesk',
      '/console/integrations',
      '/console/channel_integrations',
      '/console/instances',
      '/console/instances/1',
    ]) {
      const response = await inject({ method: 'GET', url: path });
      expect(response.statusCode, path).toBe(303);
      expect(response.headers.location).toBe(`/console/login?next=${encodeURIComponent(path)}`);
    }
    // A form posted without a session changes nothing and goes to the login page too.
    const post = await inject({
      method: 'POST',
      url: '/console/integrations',
      headers: formHeaders(),
      payload: form({ name: 'sneaky' }),
    });
    expect(post.statusCode).toBe(303);
    expect(post.headers.location).toBe('/console/login?next=%2Fconsole');
    expect(await server.store.findIntegration(tenant.accountId, 'sneaky')).toBeUndefined();
    // The login page and the static files are open.
    expect((await inject({ method: 'GET', url: '/console/login' })).statusCode).toBe(200);
    expect((await inject({ method: 'GET', url: '/console/assets/console.css' })).statusCode).toBe(200);
  });

  it('signs in with the admin email and API token: an HttpOnly, SameSite=Lax, expiring cookie', async () => {
    const response = await signIn({});
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/console/configs');
    const cookie = cookieOf(response.headers['set-cookie'], 'switchboard_console')!;
    expect(cookie).toMatch(/; Path=\/console; Max-Age=43200; HttpOnly; SameSite=Lax$/);
    expect(cookie).not.toContain('Secure');
    // The cookie carries the token's stored hash (signed), never the token.
    expect(cookie).not.toContain(tenant.apiToken);
    const page = await inject({ method: 'GET', url: '/console/configs', headers: { cookie: cookie.split(';')[0]! } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.body).toContain('zendesk');
  });

  it('marks the cookie Secure when the request came over https', async () => {
    const response = await signIn({ headers: { 'x-forwarded-proto': 'https' } });
    expect(response.statusCode).toBe(303);
    expect(cookieOf(response.headers['set-cookie'], 'switchboard_console')).toMatch(/; Secure$/);
  });

  it('refuses a wrong token, a wrong email and a login form from elsewhere, without a session', async () => {
    for (const attempt of [{ token: 'sbat_wrong' }, { email: 'someone@else.example' }]) {
      const response = await signIn(attempt);
      expect(response.statusCode).toBe(401);
      expect(response.body).toContain('do not match an admin');
      expect(cookieOf(response.headers['set-cookie'], 'switchboard_console')).toBeUndefined();
    }
    // No double-submit cookie: another site's form.
    const forged = await inject({
      method: 'POST',
      url: '/console/login',
      headers: formHeaders(),
      payload: form({ email: tenant.adminEmail, api_token: tenant.apiToken, _csrf: 'guess' }),
    });
    expect(forged.statusCode).toBe(403);
    expect(cookieOf(forged.headers['set-cookie'], 'switchboard_console')).toBeUndefined();
  });

  it('goes back only to console pages after signing in', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example', '/api/v2/oauth/tokens', '/console\\@evil']) {
      const response = await signIn({ next });
      expect(response.headers.location, next).toBe('/console');
    }
    expect((await signIn({ next: '/console/instances?x=1' })).headers.location).toBe('/console/instances?x=1');
  });

  it('refuses an altered cookie, and one past its 12 hours', async () => {
    const cookie = await sessionOf();
    const [name, value] = cookie.split('=') as [string, string];
    const [payload, mac] = value.split('.') as [string, string];
    const fields = JSON.parse(Buffer.from(payload, 'base64url').toString()) as unknown[];
    fields[0] = 999; // another account
    const altered = `${name}=${Buffer.from(JSON.stringify(fields)).toString('base64url')}.${mac}`;
    expect((await inject({ method: 'GET', url: '/console', headers: { cookie: altered } })).statusCode).toBe(303);
    expect((await inject({ method: 'GET', url: '/console', headers: { cookie } })).statusCode).toBe(200);
    now += 12 * 3600 * 1000 + 1000;
    try {
      expect((await inject({ method: 'GET', url: '/console', headers: { cookie } })).statusCode).toBe(303);
    } finally {
      now -= 12 * 3600 * 1000 + 1000;
    }
  });

  it('ends the session when its API token is revoked', async () => {
    const second = 'sbat_second-token-for-this-test';
    await server.store.createAdminToken({
      accountId: tenant.accountId,
      email: tenant.adminEmail,
      tokenHash: hashSecret(second),
      nowSeconds: Math.floor(now / 1000),
    });
    const cookie = await sessionOf(second);
    expect((await inject({ method: 'GET', url: '/console', headers: { cookie } })).statusCode).toBe(200);
    const tokens = await server.store.listAdminTokens(tenant.accountId);
    const newest = tokens.reduce((a, b) => (a.id > b.id ? a : b));
    expect(await server.store.deleteAdminToken(tenant.accountId, newest.id, { keepLast: true })).toBe('deleted');
    expect((await inject({ method: 'GET', url: '/console', headers: { cookie } })).statusCode).toBe(303);
  });

  it('refuses every POST of a session without its CSRF token, and changes nothing', async () => {
    const cookie = await sessionOf();
    const csrf = await csrfFor(cookie);
    const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      inject({
        method: 'POST',
        url: '/console/integrations',
        headers: { ...formHeaders(cookie), ...headers },
        payload: form(fields),
      });
    const missing = await post({ name: 'no_token' });
    expect(missing.statusCode).toBe(403);
    expect(missing.headers['content-type']).toContain('text/html');
    expect(missing.body).toContain('CSRF');
    expect((await post({ name: 'wrong_token', _csrf: csrf.slice(1) + 'x' })).statusCode).toBe(403);
    // Another session's token does not fit this one.
    const otherCsrf = await csrfFor(await sessionOf());
    expect((await post({ name: 'other_token', _csrf: otherCsrf })).statusCode).toBe(403);
    for (const name of ['no_token', 'wrong_token', 'other_token']) {
      expect(await server.store.findIntegration(tenant.accountId, name)).toBeUndefined();
    }
    const done = await post({ name: 'with_token', _csrf: csrf });
    expect(done.statusCode).toBe(201);
    expect(done.body).toContain('with_token');
    // Scripts may send it as a header instead.
    expect((await post({ name: 'by_header' }, { 'x-csrf-token': csrf })).statusCode).toBe(201);
  });

  it('keeps basic auth working for scripts, refuses bearer tokens and cross-origin posts', async () => {
    const page = await inject({ method: 'GET', url: '/console/configs', headers: { authorization: tenant.adminAuth } });
    expect(page.statusCode).toBe(200);
    // No session, so no CSRF field to need: the Origin check guards browsers' basic auth.
    const created = await inject({
      method: 'POST',
      url: '/console/integrations',
      headers: { ...formHeaders(), authorization: tenant.adminAuth },
      payload: form({ name: 'by_script' }),
    });
    expect(created.statusCode).toBe(201);
    const crossOrigin = await inject({
      method: 'POST',
      url: '/console/integrations',
      headers: { ...formHeaders(), authorization: tenant.adminAuth, origin: 'https://evil.example' },
      payload: form({ name: 'cross_origin' }),
    });
    expect(crossOrigin.statusCode).toBe(403);
    expect(await server.store.findIntegration(tenant.accountId, 'cross_origin')).toBeUndefined();
    const bearer = await inject({
      method: 'GET',
      url: '/console/configs',
      headers: { authorization: `Bearer ${tenant.tokens.zendesk}` },
    });
    expect(bearer.statusCode).toBe(403);
    const wrong = await inject({
      method: 'GET',
      url: '/console/configs',
      headers: { authorization: 'Basic ' + Buffer.from(`${tenant.adminEmail}/token:nope`).toString('base64') },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['www-authenticate']).toBeUndefined();
  });

  it('signs out: the cookie is cleared', async () => {
    const cookie = await sessionOf();
    const csrf = await csrfFor(cookie);
    const response = await inject({
      method: 'POST',
      url: '/console/logout',
      headers: formHeaders(cookie),
      payload: form({ _csrf: csrf }),
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/console/login');
    expect(cookieOf(response.headers['set-cookie'], 'switchboard_console')).toMatch(
      /^switchboard_console=; .*Max-Age=0/,
    );
  });

  it('answers console mistakes as pages in plain words, with the catalogue status', async () => {
    const cookie = await sessionOf();
    const unknown = await inject({ method: 'GET', url: '/console/no/such/page', headers: { cookie } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toContain('text/html');
    // A path sits in a nowrap span (a phone never breaks it): compare the text.
    expect(unknown.body.replace(/<\/?span[^>]*>/g, '')).toContain('There is no console page at /console/no/such/page');
    const badName = await inject({ method: 'GET', url: '/console/configs/Not%20A%20Name', headers: { cookie } });
    expect(badName.statusCode).toBe(404);
    const noInstance = await inject({ method: 'GET', url: '/console/instances/12345', headers: { cookie } });
    expect(noInstance.statusCode).toBe(404);
    expect(noInstance.body).toContain('There is no instance 12345 on this account.');
  });
});
