import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExampleIntegration } from '../../examples/channel-integration/server.js';
import { browserAvailable, launchBrowser } from '../helpers/browser.js';
import { signedInPage } from '../helpers/console.js';
import { call, createTenant, openTempSqlite, startServer, type Tenant, type TestServer } from '../helpers/server.js';

/**
 * The admin UI hand-off end to end in a real browser: Switchboard's console page starts
 * "add instance" and "edit instance", the browser POSTs the documented fields to the
 * example integration's admin_ui inside an iframe, a person fills in its settings form and
 * submits, and the integration's form posts back to the single-use return_url.
 */
describe.runIf(browserAvailable)('admin UI hand-off in Chromium', () => {
  let browser: Browser;
  let server: TestServer;
  let tenant: Tenant;
  let cleanup: () => Promise<void>;
  let example: Awaited<ReturnType<typeof startExampleIntegration>>;
  let integrationId: number;
  let signingSecret: string;

  beforeAll(async () => {
    const opened = await openTempSqlite();
    cleanup = opened.cleanup;
    server = await startServer(opened.store);
    tenant = await createTenant(opened.store, 'acme', []);
    example = await startExampleIntegration({ port: 0 });
    const registered = await call(server.baseUrl, 'POST', '/api/switchboard/v1/channel_integrations', {
      auth: tenant.adminAuth,
      body: { manifest_url: `${example.url}/manifest.json` },
    });
    expect(registered.status).toBe(201);
    integrationId = registered.json.integration.id;
    signingSecret = registered.json.signing_secret;
    example.setSigningSecret(signingSecret);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server.close();
    await example.close();
    await cleanup();
  });

  // Signed in through the console's login page: the session cookie goes with every console request.
  const newPage = async () => (await signedInPage(browser, server.baseUrl, tenant)).page;
  const instances = async () =>
    (await call(server.baseUrl, 'GET', '/api/switchboard/v1/instances', { auth: tenant.adminAuth })).json.instances;

  it("adds an instance through the integration's settings form, then edits it", async () => {
    const page = await newPage();
    const seenByAdminUi: Record<string, string>[] = [];
    page.on('request', (request) => {
      if (request.url() === `${example.url}/admin_ui`)
        seenByAdminUi.push(Object.fromEntries(new URLSearchParams(request.postData() ?? '')));
    });

    await page.goto(`${server.baseUrl}/console/channel_integrations/${integrationId}`);
    await page.getByRole('button', { name: 'Add instance' }).click();
    const settings = page.frameLocator('iframe[name="admin_ui"]');
    await settings.getByLabel('Name').fill('Support inbox');
    await settings.getByLabel('Messages per pull').fill('3');
    await settings.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Saved instance Support inbox');

    // The documented fields reached admin_ui, empty for a new instance.
    expect(Object.keys(seenByAdminUi[0]!).sort()).toEqual([
      'locale',
      'metadata',
      'name',
      'return_url',
      'state',
      'subdomain',
    ]);
    expect(seenByAdminUi[0]).toMatchObject({ name: '', metadata: '', state: '', subdomain: 'acme' });
    const returnUrl = seenByAdminUi[0]!.return_url!;

    const [created] = await instances();
    expect(created).toMatchObject({ name: 'Support inbox', state: '{"cursor":0}', integration_id: integrationId });
    const full = await call(server.baseUrl, 'GET', `/api/switchboard/v1/instances/${created.id}?include=metadata`, {
      auth: tenant.adminAuth,
    });
    expect(full.json.instance.metadata).toBe('{"messages_per_pull":3}');

    // The return_url is single-use.
    const replay = await fetch(returnUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'Hijack', metadata: 'x' }),
    });
    expect(replay.status).toBe(404);
    expect(await instances()).toHaveLength(1);

    // Edit: current values go to admin_ui, and the same instance is updated.
    await page.goto(`${server.baseUrl}/console/channel_integrations/${integrationId}`);
    await page.getByRole('button', { name: 'Edit' }).click();
    await expect.poll(() => settings.getByLabel('Name').inputValue()).toBe('Support inbox');
    expect(await settings.getByLabel('Messages per pull').inputValue()).toBe('3');
    await settings.getByLabel('Name').fill('Support inbox (EU)');
    await settings.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Saved instance Support inbox (EU)');
    expect(seenByAdminUi[1]).toMatchObject({
      name: 'Support inbox',
      metadata: '{"messages_per_pull":3}',
      state: '{"cursor":0}',
    });
    const after = await instances();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: created.id, name: 'Support inbox (EU)' });

    // The instance pulls from the example integration, which checks the signature.
    const pulled = await call(server.baseUrl, 'POST', `/api/switchboard/v1/instances/${created.id}/pull`, {
      auth: tenant.adminAuth,
    });
    expect(pulled.json.pull).toMatchObject({ outcome: 'ok', resources_stored: 3 });
    expect((await instances())[0].state).toBe('{"cursor":3}');

    // The example really checks the signature: with another secret it refuses the pull.
    example.setSigningSecret('not-the-secret');
    const refused = await call(server.baseUrl, 'POST', `/api/switchboard/v1/instances/${created.id}/pull`, {
      auth: tenant.adminAuth,
    });
    expect(refused.json.pull).toMatchObject({ outcome: 'failed', http_status: 401 });
    expect((await instances())[0].state).toBe('{"cursor":3}');
    example.setSigningSecret(signingSecret);
  });

  it('refuses an invalid return without using the link up, and an unknown link', async () => {
    const page = await newPage();
    await page.goto(`${server.baseUrl}/console/channel_integrations/${integrationId}`);
    const adminUi = page.waitForRequest(`${example.url}/admin_ui`);
    await page.getByRole('button', { name: 'Add instance' }).click();
    const returnUrl = new URLSearchParams((await adminUi).postData() ?? '').get('return_url')!;
    const post = (fields: Record<string, string>) =>
      fetch(returnUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields),
      });
    const invalid = await post({ name: 'Too big', metadata: 'x'.repeat(5001) });
    expect(invalid.status).toBe(422);
    expect(await invalid.text()).toContain('metadata');
    expect((await post({ name: 'Fixed', metadata: '' })).status).toBe(200);
    expect((await post({ name: 'Again', metadata: '' })).status).toBe(404);
    expect((await fetch(`${server.baseUrl}/admin-ui/return/unknown`, { method: 'POST' })).status).toBe(422);
  });

  it('sends a browser without credentials to the console login page', async () => {
    const response = await fetch(`${server.baseUrl}/console/channel_integrations/${integrationId}`, {
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(
      `/console/login?next=${encodeURIComponent(`/console/channel_integrations/${integrationId}`)}`,
    );
    expect(response.headers.get('www-authenticate')).toBeNull();
  });
});
