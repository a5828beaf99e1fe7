import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExampleIntegration } from '../../examples/channel-integration/server.js';
import { browserAvailable, launchBrowser } from '../helpers/browser.js';
import { signedInPage } from '../helpers/console.js';
import { call, createTenant, openTempSqlite, startServer, type Tenant, type TestServer } from '../helpers/server.js';

/**
 * Every console page on a 390 px wide phone, with data in every table (a failed pull's
 * error, a long event name, a long scope, a long instance name): no page scrolls sideways,
 * no button is cut, and no word under 30 characters breaks across lines.
 */

/** What is wrong with the page now shown, as readable lines (empty: nothing). */
const layoutProblems = `(() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {
    problems.push('the page scrolls sideways: ' + root.scrollWidth + ' px wide in ' + root.clientWidth + ' px');
  }
  for (const el of document.querySelectorAll('button, .button, input[type=submit]')) {
    if (el.getClientRects().length === 0) continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      problems.push('button "' + el.textContent.trim() + '" is cut: ' + el.scrollWidth + ' px of text in ' + el.clientWidth + ' px');
    }
  }
  // Each word (a run without spaces) of each text node: one under 30 characters on more
  // than one line is broken inside. Range rects are per line box fragment.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('.visually-hidden, script, style, textarea')) continue;
    const text = node.textContent;
    for (const match of text.matchAll(/\\S+/g)) {
      const word = match[0];
      if (word.length < 2 || word.length >= 30) continue;
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + word.length);
      const tops = new Set();
      for (const rect of range.getClientRects()) {
        if (rect.width > 0 && rect.height > 0) tops.add(Math.round(rect.top));
      }
      // Lines of one word sit at least half a line apart; fragments of one line do not.
      const sorted = [...tops].sort((a, b) => a - b);
      const lines = sorted.filter((top, i) => i === 0 || top - sorted[i - 1] > 6).length;
      if (lines > 1) problems.push('the word "' + word + '" breaks across ' + lines + ' lines in <' + parent.tagName.toLowerCase() + '>');
    }
  }
  return problems;
})()`;

describe.runIf(browserAvailable)('every console page at 390 px', { timeout: 240_000 }, () => {
  let browser: Browser;
  let server: TestServer;
  let tenant: Tenant;
  let cleanup: () => Promise<void>;
  let example: Awaited<ReturnType<typeof startExampleIntegration>>;
  const longScope = 'customer:acme-enterprise-eu-west-1:primary-region-settings';
  const ids = { integration: 0, instance: 0, failing: 0, thread: 0, token: 0, clientIdentifier: '' };

  beforeAll(async () => {
    const opened = await openTempSqlite();
    cleanup = opened.cleanup;
    server = await startServer(opened.store);
    tenant = await createTenant(opened.store, 'acme', ['zendesk', 'customer_relationship_sync']);
    example = await startExampleIntegration({ port: 0 });
    browser = await launchBrowser();
    const base = server.baseUrl;
    const admin = { auth: tenant.adminAuth };

    const configs = '/api/services/zis/integrations/zendesk/configs';
    for (const [scope, config] of [
      ['account:1001', { enabled: true, region: 'eu', retries: 3 }],
      [longScope, { enabled: true, webhook: 'https://hooks.example.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX' }],
    ] as const) {
      expect(
        (await call(base, 'POST', configs, { token: tenant.tokens.zendesk, body: { scope, config } })).status,
      ).toBe(201);
    }
    await call(base, 'POST', configs, { token: tenant.tokens.zendesk, body: { scope: 'user:gone', config: {} } });
    await call(base, 'DELETE', `${configs}/user:gone`, { token: tenant.tokens.zendesk });
    await call(base, 'PATCH', `${configs}/account:1001`, {
      token: tenant.tokens.zendesk,
      body: { config: { retries: 5, note: 'Escalations go to the second-line support team overnight' } },
    });

    const registered = await call(base, 'POST', '/api/switchboard/v1/channel_integrations', {
      ...admin,
      body: { manifest_url: `${example.url}/manifest.json` },
    });
    example.setSigningSecret(registered.json.signing_secret);
    ids.integration = registered.json.integration.id;
    const instance = async (name: string) =>
      (
        await call(base, 'POST', '/api/switchboard/v1/instances', {
          ...admin,
          body: {
            integration_id: ids.integration,
            name,
            metadata: '{"messages_per_pull":3}',
            state: '{"cursor":0}',
          },
        })
      ).json.instance.id as number;
    ids.instance = await instance('Support inbox');
    ids.failing = await instance('Customer support inbox for enterprise accounts in western Europe');
    await call(base, 'POST', `/api/switchboard/v1/instances/${ids.instance}/pull`, admin);
    // A wrong signing secret: the integration refuses the pull, which the log shows with its error.
    example.setSigningSecret('not-the-secret');
    await call(base, 'POST', `/api/switchboard/v1/instances/${ids.failing}/pull`, admin);
    example.setSigningSecret(registered.json.signing_secret);
    ids.thread = (
      await call(base, 'GET', `/api/switchboard/v1/instances/${ids.instance}/threads`, admin)
    ).json.threads[0].id;

    const zis = await call(base, 'POST', '/api/services/zis/registry/partner_tool', admin);
    ids.clientIdentifier = zis.json.zendesk_oauth_client.identifier;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await example?.close();
    await cleanup?.();
  });

  /** Each page's problems, by page: every page is walked before the test says what failed. */
  const found: Record<string, string[]> = {};
  const check = async (page: Page, what: string) => {
    const problems = await page.evaluate<string[]>(layoutProblems);
    if (problems.length > 0) found[what] = [...new Set(problems)];
  };

  it('catches a page that scrolls sideways, a cut button and a word broken inside', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.setContent(`<!doctype html><body>
      <div style="width: 500px">wide</div>
      <button style="width: 30px; overflow: hidden; white-space: nowrap">Remove integration</button>
      <p style="width: 60px; overflow-wrap: anywhere">create_integration_instance</p>
      <p style="width: 60px; overflow-wrap: anywhere">https://example.com/a/very/long/url/that/may/wrap</p>
    </body>`);
    const problems = await page.evaluate<string[]>(layoutProblems);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^the page scrolls sideways/);
    expect(problems[1]).toMatch(/^button "Remove integration" is cut/);
    expect(problems[2]).toMatch(/^the word "create_integration_instance" breaks across \d+ lines/);
    await context.close();
  });

  it('the login page', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/console/login`);
    await check(page, '/console/login');
    await context.close();
    expect(found).toEqual({});
  });

  it('shows destructive actions as red buttons that lead to a confirmation, changing nothing yet', async () => {
    const { context, page } = await signedInPage(browser, server.baseUrl, tenant, {
      viewport: { width: 390, height: 844 },
    });
    const base = server.baseUrl;
    const danger = 'rgb(179, 38, 30)';
    // Runs in the page: its element's computed background.
    const backgroundOf = (el: unknown) =>
      (globalThis as unknown as { getComputedStyle: (e: unknown) => { backgroundColor: string } }).getComputedStyle(el)
        .backgroundColor;
    const actions: [string, string, string][] = [
      [`/console/channel_integrations/${ids.integration}`, 'Remove integration…', 'Remove integration'],
      [`/console/instances/${ids.failing}`, 'Delete instance…', 'Delete instance'],
      [`/console/configs/zendesk/config?scope=${encodeURIComponent(longScope)}`, 'Delete…', 'Delete config'],
      ['/console/integrations', 'Revoke token', 'Revoke token'],
    ];
    for (const [path, link, confirm] of actions) {
      await page.goto(`${base}${path}`);
      const action = page.getByRole('link', { name: link }).first();
      expect(await action.evaluate(backgroundOf), link).toBe(danger);
      await action.click();
      const button = page.getByRole('button', { name: confirm });
      await button.waitFor();
      expect(await button.evaluate(backgroundOf), confirm).toBe(danger);
      expect(await page.getByRole('link', { name: 'Cancel' }).count()).toBe(1);
    }
    // Only looked at: everything is still there.
    expect(
      (await call(base, 'GET', `/api/switchboard/v1/instances/${ids.failing}`, { auth: tenant.adminAuth })).status,
    ).toBe(200);
    const stored = await call(
      base,
      'GET',
      `/api/services/zis/integrations/zendesk/configs/${encodeURIComponent(longScope)}`,
      {
        token: tenant.tokens.zendesk,
      },
    );
    expect(stored.status).toBe(200);
    await context.close();
  });

  it('every signed-in page, and the pages a form leads to', async () => {
    const { context, page } = await signedInPage(browser, server.baseUrl, tenant, {
      viewport: { width: 390, height: 844 },
    });
    const base = server.baseUrl;
    const scope = (s: string) => `scope=${encodeURIComponent(s)}`;
    await page.goto(`${base}/console/integrations`);
    const revoke = await page.locator('a[href$="/revoke"]').first().getAttribute('href');
    const oauth = new URLSearchParams({
      client_id: ids.clientIdentifier,
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:9/callback',
      scope: 'read write',
      state: 'xyz',
    });
    const walk = [
      '/console',
      '/console/configs',
      '/console/configs/zendesk',
      `/console/configs/zendesk/config?${scope('account:1001')}`,
      `/console/configs/zendesk/config?${scope(longScope)}`,
      `/console/configs/zendesk/edit?${scope('account:1001')}`,
      `/console/configs/zendesk/history?${scope('account:1001')}`,
      `/console/configs/zendesk/delete?${scope('account:1001')}`,
      '/console/configs/zendesk/new',
      `/console/configs/zendesk/config?${scope('account:nothing-here')}`,
      `/console/configs/zendesk/config?${scope('user:gone')}`,
      `/console/configs/zendesk/history?${scope('user:gone')}`,
      `/console/configs/zendesk/history?${scope(longScope)}`,
      `/console/configs/zendesk?filter=${'x'.repeat(300)}`,
      '/console/integrations',
      revoke!,
      '/console/channel_integrations',
      `/console/channel_integrations/${ids.integration}`,
      `/console/channel_integrations/${ids.integration}/events`,
      `/console/channel_integrations/${ids.integration}/events/1`,
      `/console/channel_integrations/${ids.integration}/remove`,
      '/console/instances',
      `/console/instances/${ids.instance}`,
      `/console/instances/${ids.instance}?show=metadata`,
      `/console/instances/${ids.failing}`,
      `/console/instances/${ids.instance}/delete`,
      `/console/instances/${ids.instance}/threads/${ids.thread}`,
      `/console/oauth/authorizations?${oauth.toString()}`,
      '/console/no-such-page',
    ];
    for (const path of walk) {
      await page.goto(`${base}${path}`);
      await check(page, path);
    }

    // Pages answered to a form: a config's review, a new secret, a reply queued.
    await page.goto(`${base}/console/configs/zendesk/edit?${scope('account:1001')}`);
    await page.getByLabel('Config (a JSON object)').fill('{"enabled": false, "region": "eu-west-1", "retries": 5}');
    await page.getByRole('button', { name: 'Review changes' }).click();
    await page.waitForURL(/\/review$/);
    await check(page, 'the review of an edit');

    await page.goto(`${base}/console/integrations`);
    await page.locator('form[action$="/secret"] button').first().click();
    await page.waitForURL(/\/secret$/);
    await check(page, 'a new client secret');

    await page.goto(`${base}/console/instances/${ids.instance}/threads/${ids.thread}`);
    await page.getByLabel(/^Reply/).fill('Thanks for writing in: a colleague from the second-line team will answer.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await expect.poll(() => page.locator('.notice').count()).toBe(1);
    await check(page, 'a thread with a reply');

    // The admin UI hand-off, and the page the integration's form returns to.
    await page.goto(`${base}/console/channel_integrations/${ids.integration}`);
    await page.getByRole('button', { name: 'Add instance' }).click();
    await page.frameLocator('iframe[name="admin_ui"]').getByLabel('Name').waitFor();
    await check(page, 'the admin UI hand-off');
    const settings = page.frameLocator('iframe[name="admin_ui"]');
    await settings.getByLabel('Name').fill('Escalations');
    await settings.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Saved instance Escalations');
    await check(page, 'the admin UI return page');
    // In the console's layout: its navigation and stylesheet, and a link to the new instance.
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').count()).toBe(4);
    expect(await page.evaluate<string>("getComputedStyle(document.querySelector('a.button')).backgroundColor")).toBe(
      'rgb(31, 95, 191)',
    );
    await page.getByRole('link', { name: 'Open Escalations' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Escalations');

    // Editing an instance's settings, and a settings link that was used or has expired.
    await page.getByRole('button', { name: 'Edit settings' }).click();
    await page.frameLocator('iframe[name="admin_ui"]').getByLabel('Name').waitFor();
    await check(page, 'the admin UI hand-off of an edit');
    await page.setContent(
      `<form method="post" action="${base}/admin-ui/return/not-a-token"><input name="name" value="x"><input name="metadata" value=""></form>`,
    );
    await page.evaluate('document.forms[0].submit()');
    await expect.poll(() => page.locator('h1').textContent()).toBe('This settings link has expired or was used');
    await check(page, 'an expired settings link');
    await context.close();
    expect(found).toEqual({});
  });
});
