import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Tenant } from './server.js';

/** Signs in through the console's login page, as a person does; the context keeps the session cookie. */
export async function signIn(
  page: Page,
  baseUrl: string,
  tenant: Pick<Tenant, 'adminEmail' | 'apiToken'>,
  next?: string,
) {
  await page.goto(`${baseUrl}/console/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  await page.getByLabel('Admin email').fill(tenant.adminEmail);
  await page.getByLabel('API token').fill(tenant.apiToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/console/login'));
}

/** A new browser context and page, signed in to the console. */
export async function signedInPage(
  browser: Browser,
  baseUrl: string,
  tenant: Pick<Tenant, 'adminEmail' | 'apiToken'>,
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  await signIn(page, baseUrl, tenant);
  return { context, page };
}

/** The value of a form's hidden CSRF field on the current page. */
export async function csrfOf(page: Page): Promise<string> {
  return (await page.locator('input[name="_csrf"]').first().getAttribute('value')) ?? '';
}
