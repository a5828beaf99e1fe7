import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadedReferenceFiles } from '../../src/ops/api-reference.js';
import { browserAvailable, launchBrowser } from '../helpers/browser.js';
import { openTempSqlite, startServer, type TestServer } from '../helpers/server.js';

/**
 * `/docs` in Chromium: the reference renders every operation from /openapi.json, and no
 * request leaves the server's origin (no fonts, scripts or badges from elsewhere), so it
 * works with no network. The reference's files are read on the first request, not at start.
 */
describe.runIf(browserAvailable)('the API reference in Chromium', () => {
  let browser: Browser;
  let server: TestServer;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const opened = await openTempSqlite();
    cleanup = opened.cleanup;
    server = await startServer(opened.store);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server.close();
    await cleanup();
  });

  it('renders every operation from this server alone', async () => {
    expect(loadedReferenceFiles()).toEqual([]);
    const context = await browser.newContext();
    const requested: string[] = [];
    const problems: string[] = [];
    // Anything bound elsewhere is recorded and refused, as it would fail with the cable pulled.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      requested.push(url);
      return url.startsWith(`${server.baseUrl}/`) || url.startsWith('data:') ? route.continue() : route.abort();
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    const response = await page.goto(`${server.baseUrl}/docs`);
    expect(response?.status()).toBe(200);
    const doc = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as { paths: object };
    const operationCount = Object.values(doc.paths as Record<string, object>).reduce(
      (sum, methods) => sum + Object.keys(methods).length,
      0,
    );
    // A 1.7 MB bundle to parse: generous on a busy 2-core machine.
    await page.locator('.opblock').first().waitFor({ timeout: 90_000 });
    expect(await page.locator('.opblock').count()).toBe(operationCount);
    await expect
      .poll(() => page.locator('.opblock-tag').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining('Channel integrations')]));
    // The servers list names this server, so "Try it out" and the samples are complete.
    expect(await page.locator('.servers select').inputValue()).toBe(server.baseUrl);

    // One operation opened: its real success status and the error envelope are shown.
    const register = page.locator('#operations-Channel_integrations-post_api_switchboard_v1_channel_integrations');
    await register.locator('.opblock-summary-control').click();
    const statuses = await register.locator('.responses-table .response-col_status').allTextContents();
    expect(statuses.map((s) => s.trim())).toEqual(expect.arrayContaining(['201', '401', '422']));
    expect(await register.locator('.responses-wrapper').textContent()).toContain('signing_secret');

    expect(requested.filter((url) => !url.startsWith(`${server.baseUrl}/`) && !url.startsWith('data:'))).toEqual([]);
    expect(problems).toEqual([]);
    expect(loadedReferenceFiles().sort()).toEqual(['swagger-ui-bundle.js', 'swagger-ui.css']);
    await context.close();
  }, 120_000);
});
