import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { buildApp } from '../../src/server/app.js';
import { loadSettings } from '../../src/settings.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { createTenant, type Tenant } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

/**
 * Finding 5 of issue 18, console side: the basic-auth Origin rule (malformed → 500, `null`
 * passed), logout that did not end the session, and an unsigned login CSRF pair. Two nodes
 * (two apps, two store connections, one database, one secret key) on each store.
 */
describe.each(storeKinds)('console origin, sessions and login CSRF on $name', (kind) => {
  let opened: OpenedStore;
  let second: Store;
  let nodeA: FastifyInstance;
  let nodeB: FastifyInstance;
  let tenant: Tenant;
  let now = Date.parse('2026-03-01T00:00:00Z');
  const clock: Clock = () => new Date(now);

  beforeAll(async () => {
    opened = await kind.open();
    second = await openStore(opened.url);
    await second.migrate();
    const settings = { ...loadSettings({}), pull: { ...loadSettings({}).pull, scheduler: false } };
    const build = (store: Store) => buildApp({ store, settings, clock, secretKey: 'one-key-for-both', logger: false });
    nodeA = await build(opened.store);
    nodeB = await build(second);
    tenant = await createTenant(opened.store, 'acme', []);
  });
  afterAll(async () => {
    await nodeA.close();
    await nodeB.close();
    await second.close();
    await opened.cleanup();
  });

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const formType = { 'content-type': 'application/x-www-form-urlencoded' };
  const cookieOf = (setCookie: string | string[] | undefined, name: string) =>
    ([] as string[])
      .concat(setCookie ?? [])
      .find((c) => c.startsWith(`${name}=`))
      ?.split(';')[0];
  const loginPage = async (node = nodeA) => {
    const page = await node.inject({ method: 'GET', url: '/console/login' });
    return {
      cookie: cookieOf(page.headers['set-cookie'], 'switchboard_console_login')!,
      csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!,
    };
  };
  const postLogin = (node: FastifyInstance, cookie: string | undefined, csrf: string) =>
    node.inject({
      method: 'POST',
      url: '/console/login',
      headers: { ...formType, ...(cookie ? { cookie } : {}) },
      payload: form({ email: tenant.adminEmail, api_token: tenant.apiToken, _csrf: csrf, next: '/console' }),
    });
  const signIn = async (node = nodeA) => {
    const { cookie, csrf } = await loginPage(node);
    const response = await postLogin(node, cookie, csrf);
    expect(response.statusCode).toBe(303);
    return cookieOf(response.headers['set-cookie'], 'switchboard_console')!;
  };
  const page = (node: FastifyInstance, cookie: string) =>
    node.inject({ method: 'GET', url: '/console/integrations', headers: { cookie } });
  const csrfOf = async (node: FastifyInstance, cookie: string) =>
    /name="_csrf" value="([^"]+)"/.exec((await page(node, cookie)).body)![1]!;

  describe('basic auth on state-changing requests', () => {
    const post = (name: string, headers: Record<string, string>, url = '/console/integrations') =>
      nodeA.inject({
        method: 'POST',
        url,
        headers: { ...formType, authorization: tenant.adminAuth, ...headers },
        payload: form({ name }),
      } satisfies InjectOptions);

    it('refuses a malformed Origin with 403 (never 500) and stores nothing', async () => {
      for (const [i, origin] of ['not a url', 'http://', '://x', 'http://[::1', '%'].entries()) {
        const response = await post(`malformed_${i}`, { origin });
        expect(response.statusCode, origin).toBe(403);
        expect(response.body).toContain('Origin header must be a URL');
        expect(await opened.store.findIntegration(tenant.accountId, `malformed_${i}`)).toBeUndefined();
      }
    });

    it('refuses Origin: null (sandboxed iframes), on pages and on the admin-UI hand-off', async () => {
      const response = await post('null_origin', { origin: 'null' });
      expect(response.statusCode).toBe(403);
      expect(response.body).toContain('Origin: null');
      expect(await opened.store.findIntegration(tenant.accountId, 'null_origin')).toBeUndefined();
      const handoff = await post('x', { origin: 'null' }, '/console/channel_integrations/1/admin_ui');
      expect(handoff.statusCode).toBe(403);
      const malformed = await post('x', { origin: 'http://[' }, '/console/channel_integrations/1/admin_ui');
      expect(malformed.statusCode).toBe(403);
    });

    it('allows a missing Origin from a script (no cookie), not from a browser (cookies sent)', async () => {
      expect((await post('by_script', {})).statusCode).toBe(201);
      const browser = await post('by_browser', { cookie: 'anything=1' });
      expect(browser.statusCode).toBe(403);
      expect(await opened.store.findIntegration(tenant.accountId, 'by_browser')).toBeUndefined();
      // This server's own origin passes, cookies or not.
      expect((await post('same_origin', { origin: 'http://localhost:80', cookie: 'x=1' })).statusCode).toBe(201);
    });
  });

  describe('sessions', () => {
    it('signing out on one node ends the session on every node: the old cookie stops working', async () => {
      const cookie = await signIn(nodeA);
      expect((await page(nodeA, cookie)).statusCode).toBe(200);
      expect((await page(nodeB, cookie)).statusCode).toBe(200);
      const out = await nodeB.inject({
        method: 'POST',
        url: '/console/logout',
        headers: { ...formType, cookie },
        payload: form({ _csrf: await csrfOf(nodeB, cookie) }),
      });
      expect(out.statusCode).toBe(303);
      // The cookie kept by a browser (or a thief) is refused at once on both nodes.
      for (const node of [nodeA, nodeB]) {
        const replay = await page(node, cookie);
        expect(replay.statusCode).toBe(303);
        expect(replay.headers.location).toMatch(/^\/console\/login/);
      }
      // Another session of the same admin goes on.
      expect((await page(nodeA, await signIn(nodeB))).statusCode).toBe(200);
    });

    it('keeps only the hash of the session id; expired sessions are pruned in batches', async () => {
      const cookie = await signIn(nodeA);
      const payload = cookie.split('=')[1]!.split('.')[0]!;
      const nonce = (JSON.parse(Buffer.from(payload, 'base64url').toString()) as unknown[])[3] as string;
      const nowSeconds = Math.floor(now / 1000);
      expect(await opened.store.grants.consoleSessionActive(nonce, nowSeconds)).toBe(false);
      const later = nowSeconds + 13 * 3600;
      let pruned = 0;
      for (let batch; (batch = await opened.store.grants.pruneConsoleSessions(later, 2)) > 0;) {
        expect(batch).toBeLessThanOrEqual(2);
        pruned += batch;
      }
      expect(pruned).toBeGreaterThanOrEqual(2);
      expect((await page(nodeA, cookie)).statusCode).toBe(303);
    });
  });

  describe('the login CSRF pair', () => {
    it('refuses a pair this server did not sign, however well the halves match', async () => {
      for (const value of ['chosen-by-attacker', 'abc.9999999999.forged']) {
        const forged = await postLogin(nodeA, `switchboard_console_login=${value}`, value);
        expect(forged.statusCode, value).toBe(403);
        expect(cookieOf(forged.headers['set-cookie'], 'switchboard_console')).toBeUndefined();
      }
    });

    it('binds the form token to its own cookie, and both expire', async () => {
      const one = await loginPage(nodeA);
      const two = await loginPage(nodeA);
      expect((await postLogin(nodeA, one.cookie, two.csrf)).statusCode).toBe(403);
      // The cookie's own value is not the form's token.
      expect((await postLogin(nodeA, one.cookie, one.cookie.split('=')[1]!)).statusCode).toBe(403);
      const old = await loginPage(nodeA);
      now += 3601 * 1000;
      expect((await postLogin(nodeA, old.cookie, old.csrf)).statusCode).toBe(403);
      // A pair made by one node is good on another (one secret key).
      const fresh = await loginPage(nodeA);
      expect((await postLogin(nodeB, fresh.cookie, fresh.csrf)).statusCode).toBe(303);
    });
  });
});
