import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerIntegration } from '../../src/accounts/provision.js';
import { browserAvailable, launchBrowser } from '../helpers/browser.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

/**
 * The OAuth authorization-code grant as the vendor's ZIS tutorial drives it, in Chromium:
 * the authorize URL, sign-in, the consent page, Allow, the redirect to a loopback listener
 * with a one-use code; the code exchanged (PKCE), the token and its refresh token used on
 * the configs API, rotation, expiry, Deny, and CSRF on the consent form.
 */

const form = (fields: Record<string, string>) => ({
  rawBody: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

/** A local listener standing in for the integration's redirect URI: it records each query. */
async function startListener(): Promise<{ url: string; queries: URLSearchParams[]; close: () => Promise<void> }> {
  const queries: URLSearchParams[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url!, 'http://127.0.0.1');
    // Only the redirects: the browser asks for /favicon.ico too.
    if (url.pathname === '/callback') queries.push(url.searchParams);
    response.end('done');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/callback`,
    queries,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe.runIf(browserAvailable).each(storeKinds)('authorization-code grant on $name', { timeout: 120_000 }, (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let browser: Browser;
  let listener: Awaited<ReturnType<typeof startListener>>;
  let tenant: Tenant;
  let client: { id: number; identifier: string; secret: string };
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);
  const configs = '/api/services/zis/integrations/crm/configs';
  const token = (fields: Record<string, string>) => call(server.baseUrl, 'POST', '/oauth/tokens', form(fields));
  const authorizeUrl = (extra: Record<string, string>) =>
    `${server.baseUrl}/oauth/authorizations/new?${new URLSearchParams({
      response_type: 'code',
      client_id: client.identifier,
      redirect_uri: listener.url,
      ...extra,
    }).toString()}`;

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store, { clock, settings: { mode: 'production' } });
    tenant = await createTenant(opened.store, 'acme', []);
    const registered = await registerIntegration(opened.store, clock, tenant.accountId, 'crm');
    if (registered === 'exists') throw new Error('exists');
    client = {
      id: registered.integration.id,
      identifier: registered.integration.clientIdentifier,
      secret: registered.clientSecret,
    };
    listener = await startListener();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await listener?.close();
    await server.close();
    await opened.cleanup();
  });

  it('refuses a redirect_uri the client does not have, without redirecting to it', async () => {
    const consent = await call(
      server.baseUrl,
      'GET',
      `/console/oauth/authorizations?${new URL(authorizeUrl({ state: 's' })).searchParams.toString()}`,
      { auth: tenant.adminAuth },
    );
    expect(consent.status).toBe(400);
    expect(consent.text).toContain('is not one of client');
    expect(listener.queries).toHaveLength(0);
  });

  it('signs in, shows the consent page, and redirects with a one-use code that becomes a token', async () => {
    const put = await call(server.baseUrl, 'PUT', `/api/v2/oauth/clients/${client.id}.json`, {
      auth: tenant.adminAuth,
      body: { client: { redirect_uri: [listener.url] } },
    });
    expect(put.status).toBe(200);
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(
      authorizeUrl({ scope: 'read write', state: 'st4te', code_challenge: challenge, code_challenge_method: 'S256' }),
    );
    // Not signed in: the login page first, then back to the request.
    expect(new URL(page.url()).pathname).toBe('/console/login');
    await page.getByLabel('Admin email').fill(tenant.adminEmail);
    await page.getByLabel('API token').fill(tenant.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/console/oauth/authorizations');
    expect(await page.locator('h1').textContent()).toContain('crm');
    expect(await page.locator('body').textContent()).toContain(listener.url);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.href.startsWith(listener.url));
    const query = listener.queries.at(-1)!;
    expect(query.get('state')).toBe('st4te');
    const code = query.get('code')!;
    expect(code).toMatch(/^sbac_/);
    await context.close();

    const wrongVerifier = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: listener.url,
      client_id: client.identifier,
      code_verifier: randomBytes(32).toString('base64url'),
    });
    expect(wrongVerifier.json.error).toBe('invalid_grant');

    // The wrong verifier spent that code: authorize again (signed in now: straight to consent).
    const second = await browser.newContext();
    const again = await second.newPage();
    await again.goto(`${server.baseUrl}/console/login`);
    await again.getByLabel('Admin email').fill(tenant.adminEmail);
    await again.getByLabel('API token').fill(tenant.apiToken);
    await again.getByRole('button', { name: 'Sign in' }).click();
    await again.waitForURL((url) => url.pathname === '/console');
    await again.goto(authorizeUrl({ state: 'two', code_challenge: challenge, code_challenge_method: 'S256' }));
    await again.getByRole('button', { name: 'Allow' }).click();
    await again.waitForURL((url) => url.href.startsWith(listener.url));
    const code2 = listener.queries.at(-1)!.get('code')!;

    // PKCE stands in for the client secret.
    const exchanged = await token({
      grant_type: 'authorization_code',
      code: code2,
      redirect_uri: listener.url,
      client_id: client.identifier,
      code_verifier: verifier,
    });
    expect(exchanged.json.error_description).toBeUndefined();
    expect(exchanged.status).toBe(200);
    expect(exchanged.json).toMatchObject({ token_type: 'bearer', scope: 'read write', expires_in: 3600 });
    expect(exchanged.json.refresh_token).toMatch(/^sbrt_/);
    const replay = await token({
      grant_type: 'authorization_code',
      code: code2,
      redirect_uri: listener.url,
      client_id: client.identifier,
      code_verifier: verifier,
    });
    expect(replay.status).toBe(400);
    expect(replay.json.error).toBe('invalid_grant');

    const access = exchanged.json.access_token as string;
    const created = await call(server.baseUrl, 'POST', configs, {
      token: access,
      body: { scope: 'a', config: { n: 1 } },
    });
    expect(created.status).toBe(201);
    const listed = await call(server.baseUrl, 'GET', '/api/v2/oauth/tokens.json', { auth: tenant.adminAuth });
    expect(listed.json.tokens.at(-1).expires_at).not.toBeNull();

    // Refresh (rotation): the new pair works, the old refresh token does not; scope may narrow.
    const refreshed = await token({
      grant_type: 'refresh_token',
      refresh_token: exchanged.json.refresh_token,
      client_id: client.identifier,
      scope: 'read',
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.scope).toBe('read');
    const reused = await token({
      grant_type: 'refresh_token',
      refresh_token: exchanged.json.refresh_token,
      client_id: client.identifier,
    });
    expect(reused.json.error).toBe('invalid_grant');
    const readOnly = refreshed.json.access_token as string;
    expect((await call(server.baseUrl, 'GET', `${configs}/a`, { token: readOnly })).status).toBe(200);
    const write = await call(server.baseUrl, 'PATCH', `${configs}/a`, { token: readOnly, body: { config: { n: 2 } } });
    expect(write.status).toBe(403);
    const wider = await token({
      grant_type: 'refresh_token',
      refresh_token: refreshed.json.refresh_token,
      client_id: client.identifier,
      scope: 'read write',
    });
    expect(wider.json.error).toBe('invalid_scope');
    await second.close();
  });

  it('denies with error=access_denied, and refuses a consent post without the CSRF token', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(authorizeUrl({ state: 'no', scope: 'read' }));
    await page.getByLabel('Admin email').fill(tenant.adminEmail);
    await page.getByLabel('API token').fill(tenant.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/console/oauth/authorizations');
    const forged = await page.evaluate(
      async (fields) => {
        const response = await fetch('/console/oauth/authorizations', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ ...fields, decision: 'approve' }).toString(),
          redirect: 'manual',
        });
        return response.status;
      },
      Object.fromEntries(new URL(authorizeUrl({ state: 'no', scope: 'read' })).searchParams),
    );
    expect(forged).toBe(403);
    const before = listener.queries.length;
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL((url) => url.href.startsWith(listener.url));
    expect(listener.queries).toHaveLength(before + 1);
    const query = listener.queries.at(-1)!;
    expect(query.get('error')).toBe('access_denied');
    expect(query.get('state')).toBe('no');
    expect(query.get('code')).toBeNull();
    await context.close();
  });

  it('refuses an expired code and an expired access token', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/console/login`);
    await page.getByLabel('Admin email').fill(tenant.adminEmail);
    await page.getByLabel('API token').fill(tenant.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/console');
    const exchange = async () => {
      await page.goto(authorizeUrl({ state: 'e' }));
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL((url) => url.href.startsWith(listener.url));
      return listener.queries.at(-1)!.get('code')!;
    };
    const late = await exchange();
    offsetMs += 301_000;
    const expired = await token({
      grant_type: 'authorization_code',
      code: late,
      redirect_uri: listener.url,
      client_id: client.identifier,
      client_secret: client.secret,
    });
    expect(expired.json.error).toBe('invalid_grant');
    expect(expired.json.error_description).toContain('expired');

    const code = await exchange();
    const issued = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: listener.url,
      client_id: client.identifier,
      client_secret: client.secret,
      expires_in: '300',
    });
    expect(issued.json.expires_in).toBe(300);
    const access = issued.json.access_token as string;
    expect((await call(server.baseUrl, 'GET', `${configs}/a`, { token: access })).status).toBe(200);
    offsetMs += 301_000;
    const afterExpiry = await call(server.baseUrl, 'GET', `${configs}/a`, { token: access });
    expect(afterExpiry.status).toBe(401);
    expect(afterExpiry.json.errors[0].detail).toContain('expired');
    // A confidential client's refresh token needs its secret.
    const noSecret = await token({
      grant_type: 'refresh_token',
      refresh_token: issued.json.refresh_token,
      client_id: client.identifier,
    });
    expect(noSecret.status).toBe(401);
    expect(noSecret.json.error).toBe('invalid_client');

    // An admin revoking the access token revokes its refresh token too.
    const revokedPair = await token({
      grant_type: 'authorization_code',
      code: await exchange(),
      redirect_uri: listener.url,
      client_id: client.identifier,
      client_secret: client.secret,
    });
    const listed = await call(server.baseUrl, 'GET', '/api/v2/oauth/tokens.json', { auth: tenant.adminAuth });
    const id = listed.json.tokens.at(-1).id as number;
    expect(
      (await call(server.baseUrl, 'DELETE', `/api/v2/oauth/tokens/${id}.json`, { auth: tenant.adminAuth })).status,
    ).toBe(204);
    const afterRevoke = await token({
      grant_type: 'refresh_token',
      refresh_token: revokedPair.json.refresh_token,
      client_id: client.identifier,
      client_secret: client.secret,
    });
    expect(afterRevoke.json.error).toBe('invalid_grant');
    await context.close();
  });
});
