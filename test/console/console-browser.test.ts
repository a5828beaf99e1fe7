import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExampleIntegration } from '../../examples/channel-integration/server.js';
import { browserAvailable, launchBrowser } from '../helpers/browser.js';
import { signedInPage } from '../helpers/console.js';
import { call, createTenant, openTempSqlite, startServer, type Tenant, type TestServer } from '../helpers/server.js';

/**
 * The console in Chromium against a real server on SQLite: configs (create, review and
 * save an edit, a stale edit, filter, delete, history and restore), a channel integration
 * from registration to pulled threads, the instance's exchanges (the inspector), requests staying on the server's own origin, and the
 * keyboard alone.
 */
// Many pages per test: a busy 2-core machine needs more than the default 30 s.
describe.runIf(browserAvailable)('the console in Chromium', { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: TestServer;
  let tenant: Tenant;
  let cleanup: () => Promise<void>;
  let example: Awaited<ReturnType<typeof startExampleIntegration>>;
  const configUrl = (scope: string) => `/api/services/zis/integrations/zendesk/configs/${encodeURIComponent(scope)}`;

  beforeAll(async () => {
    const opened = await openTempSqlite();
    cleanup = opened.cleanup;
    server = await startServer(opened.store);
    tenant = await createTenant(opened.store, 'acme', ['zendesk']);
    example = await startExampleIntegration({ port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server.close();
    await example.close();
    await cleanup();
  });

  const open = async () => (await signedInPage(browser, server.baseUrl, tenant)).page;
  const storedConfig = async (scope: string) =>
    (await call(server.baseUrl, 'GET', configUrl(scope), { token: tenant.tokens.zendesk })).json?.config;

  it('signs in and sets an HttpOnly, SameSite=Lax session cookie that expires', async () => {
    const { context, page } = await signedInPage(browser, server.baseUrl, tenant);
    await page.goto(`${server.baseUrl}/console`);
    expect(await page.locator('h1').textContent()).toBe('Account acme');
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'switchboard_console');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false, path: '/console' });
    const hours = (cookie!.expires * 1000 - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(11.9);
    expect(hours).toBeLessThanOrEqual(12);
    // Scripts in the page cannot read it.
    expect(await page.evaluate<string>('document.cookie')).not.toContain('switchboard_console=');
    await context.close();
  });

  it('refuses a POST without the CSRF token, from inside a signed-in page', async () => {
    const page = await open();
    const status = await page.evaluate(async () => {
      const response = await fetch('/console/integrations', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'name=csrf_less',
      });
      return response.status;
    });
    expect(status).toBe(403);
    const names = (
      await call(server.baseUrl, 'GET', '/api/services/zis/registry/integrations', { auth: tenant.adminAuth })
    ).json.integrations.map((i: { name: string }) => i.name);
    expect(names).not.toContain('csrf_less');
    await page.context().close();
  });

  it('creates, edits (after reviewing the difference), filters and deletes a config', async () => {
    const page = await open();
    await page.goto(`${server.baseUrl}/console/configs`);
    await page.getByRole('link', { name: 'zendesk' }).click();
    // No configs yet: an empty table, not an error.
    expect(await page.locator('tbody tr').count()).toBe(0);
    await page.getByRole('link', { name: 'New config' }).click();
    await page.getByLabel('Scope').fill('account:1');
    await page.getByLabel('Config (a JSON object)').fill('{"enabled": true, "limit": 5}');
    await page.getByRole('button', { name: 'Create config' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toBe('Created config "account:1".');
    expect(await page.locator('[data-config-json]').textContent()).toBe('{\n  "enabled": true,\n  "limit": 5\n}');
    expect(await page.locator('[data-etag]').textContent()).toMatch(/^"\d+-1"$/);
    expect(await storedConfig('account:1')).toMatchObject({ config: { enabled: true, limit: 5 } });

    // The editor refuses invalid JSON before anything is sent.
    await page.getByRole('link', { name: 'Edit' }).click();
    const sent: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') sent.push(request.url());
    });
    const editor = page.getByLabel('Config (a JSON object)');
    await editor.fill('{"enabled": false, "limit": 5');
    await page.getByRole('button', { name: 'Review changes' }).click();
    await expect.poll(() => page.locator('[data-json-message]').textContent()).toContain('This is not valid JSON');
    expect(sent).toEqual([]);
    expect(await editor.getAttribute('aria-invalid')).toBe('true');

    // A valid edit shows the difference against the stored version, then saves.
    await editor.fill('{"enabled": false, "limit": 5}');
    await page.getByRole('button', { name: 'Review changes' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Review changes to account:1');
    expect(await page.locator('.diff .removed').allTextContents()).toEqual(['removed:   "enabled": true,']);
    expect(await page.locator('.diff .added').allTextContents()).toEqual(['added:   "enabled": false,']);
    expect((await storedConfig('account:1')).config.enabled).toBe(true);
    await page.getByRole('button', { name: 'Save config' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toBe('Saved config "account:1".');
    expect((await storedConfig('account:1')).config).toEqual({ enabled: false, limit: 5 });

    // A stale edit: someone else saves while this editor is open. Nothing is lost.
    await page.getByRole('link', { name: 'Edit' }).click();
    await editor.fill('{"enabled": false, "limit": 99}');
    await page.getByRole('button', { name: 'Review changes' }).click();
    const other = await call(server.baseUrl, 'PATCH', configUrl('account:1'), {
      token: tenant.tokens.zendesk,
      body: { config: { owner: 'someone else' } },
    });
    expect(other.status).toBe(200);
    await page.getByRole('button', { name: 'Save config' }).click();
    await expect.poll(() => page.locator('#stale').textContent()).toContain('someone else changed this config');
    expect(await editor.inputValue()).toBe('{"enabled": false, "limit": 99}');
    expect(await page.locator('.diff .removed').allTextContents()).toContain('removed:   "owner": "someone else"');
    expect((await storedConfig('account:1')).config).toEqual({ enabled: false, limit: 5, owner: 'someone else' });
    // Reviewed again against the new version, it saves.
    await page.getByRole('button', { name: 'Review changes' }).click();
    await page.getByRole('button', { name: 'Save config' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toBe('Saved config "account:1".');
    expect((await storedConfig('account:1')).config).toEqual({ enabled: false, limit: 99 });

    // Filter with the API's `*`.
    for (const scope of ['account:2', 'user:1']) {
      await call(server.baseUrl, 'POST', '/api/services/zis/integrations/zendesk/configs', {
        token: tenant.tokens.zendesk,
        body: { scope, config: {} },
      });
    }
    await page.goto(`${server.baseUrl}/console/configs/zendesk`);
    expect(await page.locator('tbody td:first-child').allTextContents()).toEqual(['account:1', 'account:2', 'user:1']);
    await page.getByLabel('Scope filter').fill('acc*');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.locator('tbody td:first-child').allTextContents()).toEqual(['account:1', 'account:2']);
    await page.getByLabel('Scope filter').fill('nothing*');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(0);
    await page.goto(`${server.baseUrl}/console/configs`);
    expect(await page.locator('tbody tr').textContent()).toContain('3');

    // Delete, after a confirmation page.
    await page.goto(`${server.baseUrl}/console/configs/zendesk/config?scope=account%3A2`);
    await page.getByRole('link', { name: 'Delete…' }).click();
    expect(await storedConfig('account:2')).toBeDefined();
    await page.getByRole('button', { name: 'Delete config' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toBe('Deleted config "account:2".');
    expect(await storedConfig('account:2')).toBeUndefined();
    await page.context().close();
  });

  it('shows a config’s history with each difference and restores a revision', async () => {
    const page = await open();
    await page.goto(`${server.baseUrl}/console/configs/zendesk/config?scope=account%3A1`);
    await page.getByRole('link', { name: 'History' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('History of account:1');
    // Newest first: the last save, and the create at the bottom, whole.
    const headings = await page.locator('section.revision h2').allTextContents();
    expect(headings[0]).toMatch(/^Revision \d+: replace$/);
    expect(headings.at(-1)).toMatch(/^Revision \d+: create$/);
    expect(await page.locator('section.revision').first().locator('.diff .added').allTextContents()).toContain(
      'added:   "limit": 99',
    );
    await page
      .locator('section.revision')
      .last()
      .getByRole('button', { name: /^Restore revision/ })
      .click();
    await expect.poll(() => page.locator('.notice').textContent()).toMatch(/^Restored revision \d+ of "account:1"/);
    expect(await page.locator('section.revision h2').first().textContent()).toMatch(/: restore$/);
    expect((await storedConfig('account:1')).config).toEqual({ enabled: true, limit: 5 });
    await page.context().close();
  });

  it('registers the example integration, adds an instance, pulls, shows the log and threads, deactivates', async () => {
    const page = await open();
    await page.goto(`${server.baseUrl}/console/channel_integrations`);
    await page.getByLabel('Manifest URL').fill(`${example.url}/manifest.json`);
    await page.getByRole('button', { name: 'Register' }).click();
    const secret = (await page.locator('[data-secret]').textContent())!;
    expect(secret.length).toBeGreaterThan(20);
    example.setSigningSecret(secret);
    await page.getByRole('link', { name: /^Open / }).click();

    // The admin UI hand-off: the integration's own settings page, in an iframe.
    await page.getByRole('button', { name: 'Add instance' }).click();
    const settings = page.frameLocator('iframe[name="admin_ui"]');
    await settings.getByLabel('Name').fill('Support inbox');
    await settings.getByLabel('Messages per pull').fill('3');
    await settings.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Saved instance Support inbox');
    await page.getByRole('link', { name: 'Back to the integration' }).click();
    await page.getByRole('link', { name: 'Support inbox' }).click();
    expect(await page.locator('[data-status]').textContent()).toBe('active');

    // Metadata only on request.
    expect(await page.locator('[data-metadata]').count()).toBe(0);
    await page.getByRole('link', { name: 'Show metadata' }).click();
    expect(await page.locator('[data-metadata]').textContent()).toBe('{"messages_per_pull":3}');

    await page.getByRole('button', { name: 'Pull now' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toBe('Pulled: 3 resources stored, 0 already known.');
    const logRow = page.locator('tr[data-pull-id]').first();
    expect(await logRow.locator('td').nth(1).textContent()).toBe('ok');
    expect(await logRow.locator('td').nth(4).textContent()).toBe('3');
    await page.getByRole('link', { name: 'example-msg-0' }).click();
    expect(await page.locator('ol.resources code').allTextContents()).toEqual([
      'example-msg-0',
      'example-msg-1',
      'example-msg-2',
    ]);
    // An agent's reply goes out through the reply sender; the thread lists it.
    await page.getByLabel(/^Reply/).fill('Thanks, we are on it.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toContain('Reply queued');
    expect(await page.locator('table').last().locator('tbody tr td').nth(1).textContent()).toBe(
      'Thanks, we are on it.',
    );
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Support inbox' }).click();

    await page.getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(() => page.locator('[data-status]').textContent()).toBe('inactive');
    expect(await page.locator('[data-deactivated-reason]').textContent()).toBe(
      `deactivated in the console by ${tenant.adminEmail}`,
    );
    const [instance] = (await call(server.baseUrl, 'GET', '/api/switchboard/v1/instances', { auth: tenant.adminAuth }))
      .json.instances;
    expect(instance).toMatchObject({
      active: false,
      deactivated_reason: `deactivated in the console by ${tenant.adminEmail}`,
    });
    await page.getByRole('button', { name: 'Activate' }).click();
    await expect.poll(() => page.locator('[data-status]').textContent()).toBe('active');
    await page.context().close();
  });

  it("shows an instance's exchanges, and one with its request and answer, metadata only on request", async () => {
    const page = await open();
    const [instance] = (await call(server.baseUrl, 'GET', '/api/switchboard/v1/instances', { auth: tenant.adminAuth }))
      .json.instances;
    await page.goto(`${server.baseUrl}/console/instances/${instance.id}`);
    await page.getByRole('link', { name: 'Exchanges' }).click();
    expect(await page.locator('h1').textContent()).toBe('Exchanges');
    const rows = page.locator('tr[data-exchange-id]');
    const kinds = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelectorAll('td')[1]!.textContent));
    // Newest first: the pull, then the integration's manifest fetch at registration (no reply
    // was sent: this server runs no reply sender).
    expect(kinds).toEqual(['pull', 'manifest']);
    const pull = rows.filter({ has: page.locator('td', { hasText: /^pull$/ }) }).first();
    expect(await pull.locator('td').nth(2).textContent()).toBe('ok');
    expect(await pull.locator('td').nth(3).textContent()).toBe('200');
    await pull.getByRole('link').click();

    expect(await page.locator('h1').textContent()).toBe('POST pull');
    expect(await page.locator('[data-outcome]').textContent()).toBe('ok');
    expect(await page.locator('[data-request]').textContent()).toMatch(
      /^metadata=\[redacted: 23 characters\]&state=\[redacted: \d+ characters\]$/,
    );
    expect(await page.locator('[data-response]').textContent()).toContain('"external_id":"example-msg-0"');
    await page.getByRole('link', { name: 'Show metadata' }).click();
    const revealed = new URLSearchParams((await page.locator('[data-request]').textContent())!);
    expect(revealed.get('metadata')).toBe('{"messages_per_pull":3}');
    await page.getByRole('link', { name: 'Hide metadata' }).click();
    expect(await page.locator('[data-request]').textContent()).toContain('[redacted: 23 characters]');
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Exchanges' }).click();
    expect(await page.locator('tr[data-exchange-id]').count()).toBe(kinds.length);
    await page.context().close();
  });

  it('loads nothing from outside its own origin, on any main page, wide and narrow', async () => {
    const page = await open();
    const seen: string[] = [];
    page.on('request', (request) => seen.push(request.url()));
    const instances = (await call(server.baseUrl, 'GET', '/api/switchboard/v1/instances', { auth: tenant.adminAuth }))
      .json.instances;
    expect(instances.length).toBeGreaterThan(0);
    const threads = (
      await call(server.baseUrl, 'GET', `/api/switchboard/v1/instances/${instances[0].id}/threads`, {
        auth: tenant.adminAuth,
      })
    ).json.threads;
    const walk = [
      '/console',
      '/console/configs',
      '/console/configs/zendesk',
      '/console/configs/zendesk/config?scope=account%3A1',
      '/console/configs/zendesk/edit?scope=account%3A1',
      '/console/configs/zendesk/new',
      '/console/integrations',
      '/console/channel_integrations',
      '/console/instances',
      `/console/instances/${instances[0].id}`,
      `/console/instances/${instances[0].id}?show=metadata`,
      `/console/instances/${instances[0].id}/threads/${threads[0].id}`,
      `/console/instances/${instances[0].id}/exchanges`,
    ];
    const exchanges = (
      await call(server.baseUrl, 'GET', `/api/switchboard/v1/instances/${instances[0].id}/exchanges`, {
        auth: tenant.adminAuth,
      })
    ).json.exchanges as { id: number }[];
    for (const exchange of exchanges) {
      walk.push(
        `/console/instances/${instances[0].id}/exchanges/${exchange.id}`,
        `/console/instances/${instances[0].id}/exchanges/${exchange.id}?show=metadata`,
      );
    }
    const channel = (
      await call(server.baseUrl, 'GET', '/api/switchboard/v1/channel_integrations', { auth: tenant.adminAuth })
    ).json.integrations[0];
    if (channel)
      walk.push(`/console/channel_integrations/${channel.id}`, `/console/channel_integrations/${channel.id}/events`);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      for (const path of walk) {
        const response = await page.goto(`${server.baseUrl}${path}`);
        expect(response!.status(), path).toBe(200);
        // Readable: nothing wider than the screen makes the page scroll sideways.
        const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
        expect(overflow, `${path} at ${width}px`).toBeLessThanOrEqual(0);
      }
    }
    expect(seen.length).toBeGreaterThan(walk.length * 2);
    expect(seen.filter((url) => !url.startsWith(`${server.baseUrl}/`) && !url.startsWith('data:'))).toEqual([]);
    await page.context().close();
  });

  it('works with the keyboard alone: sign in, open a config, edit and save it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    /** Presses Tab until the focused element matches, as a keyboard user would. */
    const tabTo = async (matches: (el: { tag: string; text: string; label: string }) => boolean) => {
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press('Tab');
        // Runs in the page: what has the focus, and the text of its label.
        const focused = await page.evaluate<{ tag: string; text: string; label: string }>(`(() => {
          const el = document.activeElement;
          const label = el.id ? (document.querySelector('label[for="' + el.id + '"]')?.textContent ?? '') : '';
          return { tag: el.tagName.toLowerCase(), text: (el.textContent ?? '').trim(), label: label.trim() };
        })()`);
        if (matches(focused)) {
          // The focus is visible.
          const outline = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
          expect(outline).not.toBe('none');
          return;
        }
      }
      throw new Error('not reachable with Tab');
    };
    await page.goto(`${server.baseUrl}/console/configs/zendesk/config?scope=account%3A1`);
    expect(page.url()).toContain('/console/login');
    await tabTo((el) => el.label === 'Admin email');
    await page.keyboard.type(tenant.adminEmail);
    await tabTo((el) => el.label === 'API token');
    await page.keyboard.type(tenant.apiToken);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/console\/configs\/zendesk\/config/);
    await tabTo((el) => el.tag === 'a' && el.text === 'Edit');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/edit\?/);
    await tabTo((el) => el.tag === 'textarea');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('{"enabled": true, "by": "keyboard"}');
    await tabTo((el) => el.tag === 'button' && el.text === 'Review changes');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/review$/);
    await tabTo((el) => el.tag === 'button' && el.text === 'Save config');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.notice').textContent()).toBe('Saved config "account:1".');
    expect((await storedConfig('account:1')).config).toEqual({ enabled: true, by: 'keyboard' });
    await context.close();
  });

  it('says why a sign-in failed, on the page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/console/login`);
    await page.getByLabel('Admin email').fill(tenant.adminEmail);
    await page.getByLabel('API token').fill('sbat_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState();
    expect(page.url()).toBe(`${server.baseUrl}/console/login`);
    expect(await page.getByRole('alert').textContent()).toContain('do not match an admin');
    await context.close();
  });
});
