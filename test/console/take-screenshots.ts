// Screenshots of the console's main pages for the README and docs/screenshots/.
// Run on demand (not part of the test run): npx tsx test/console/take-screenshots.ts
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startExampleIntegration } from '../../examples/channel-integration/server.js';
import { launchBrowser } from '../helpers/browser.js';
import { signIn } from '../helpers/console.js';
import { call, createTenant, openTempSqlite, startServer } from '../helpers/server.js';

const out = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
mkdirSync(out, { recursive: true });

const opened = await openTempSqlite();
const server = await startServer(opened.store);
const tenant = await createTenant(opened.store, 'acme', ['zendesk', 'slack_bridge']);
const example = await startExampleIntegration({ port: 0 });
const base = server.baseUrl;
try {
  const configs = '/api/services/zis/integrations/zendesk/configs';
  for (const [scope, config] of [
    ['account:1001', { enabled: true, region: 'eu', retries: 3 }],
    ['account:1002', { enabled: false, region: 'us', retries: 5 }],
    ['user:42', { theme: 'dark', notify: ['email', 'slack'] }],
  ] as const) {
    await call(base, 'POST', configs, { token: tenant.tokens.zendesk, body: { scope, config } });
  }
  const registered = await call(base, 'POST', '/api/switchboard/v1/channel_integrations', {
    auth: tenant.adminAuth,
    body: { manifest_url: `${example.url}/manifest.json` },
  });
  example.setSigningSecret(registered.json.signing_secret);
  const integrationId = registered.json.integration.id;
  const instanceIds: number[] = [];
  for (const name of ['Support inbox', 'Sales inbox']) {
    const created = await call(base, 'POST', '/api/switchboard/v1/instances', {
      auth: tenant.adminAuth,
      body: { integration_id: integrationId, name, metadata: '{"messages_per_pull":3}', state: '{"cursor":0}' },
    });
    instanceIds.push(created.json.instance.id);
  }
  for (let i = 0; i < 2; i++) {
    await call(base, 'POST', `/api/switchboard/v1/instances/${instanceIds[0]}/pull`, { auth: tenant.adminAuth });
  }
  await call(base, 'POST', `/api/switchboard/v1/instances/${instanceIds[1]}/deactivate`, { auth: tenant.adminAuth });
  const threads = (
    await call(base, 'GET', `/api/switchboard/v1/instances/${instanceIds[0]}/threads`, { auth: tenant.adminAuth })
  ).json.threads;

  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const shot = async (name: string, path: string) => {
    await page.goto(`${base}${path}`);
    await page.screenshot({ path: `${out}${name}.png`, fullPage: true });
    console.log(`docs/screenshots/${name}.png`);
  };
  await shot('console-login', '/console/login');
  await signIn(page, base, tenant);
  await shot('console-overview', '/console');
  await shot('console-configs', '/console/configs/zendesk');
  await shot('console-config', '/console/configs/zendesk/config?scope=account%3A1001');
  await page.goto(`${base}/console/configs/zendesk/edit?scope=account%3A1001`);
  await page.getByLabel('Config (a JSON object)').fill('{"enabled": true, "region": "eu-west", "retries": 3}');
  await page.getByRole('button', { name: 'Review changes' }).click();
  await page.screenshot({ path: `${out}console-config-review.png`, fullPage: true });
  console.log('docs/screenshots/console-config-review.png');
  await shot('console-integrations', '/console/integrations');
  await shot('console-channel-integration', `/console/channel_integrations/${integrationId}`);
  await shot('console-instance', `/console/instances/${instanceIds[0]}`);
  await shot('console-thread', `/console/instances/${instanceIds[0]}/threads/${threads[0].id}`);
  await page.setViewportSize({ width: 390, height: 844 });
  await shot('console-instance-390', `/console/instances/${instanceIds[0]}`);
  await browser.close();
} finally {
  await server.close();
  await example.close();
  await opened.cleanup();
}
