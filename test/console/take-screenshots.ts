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
  // The overview's charts show the last hour: a scheduler would have pulled every minute or
  // so. The pull log is written as the scheduler writes it, backdated a minute at a time
  // (a few refused), so the picture shows a working hour rather than one busy minute.
  const now = Date.now();
  const [support] = await opened.store.channels.listInstances(tenant.accountId);
  for (let minute = 58; minute >= 1; minute--) {
    const pulls = 1 + ((minute * 7) % 4);
    for (let i = 0; i < pulls; i++) {
      const failed = minute % 17 === 0 && i === 0;
      const startedAt = now - minute * 60_000 + i * 9_000;
      await opened.store.channels.completePull({
        instanceId: support!.id,
        startedAt,
        durationMs: 40 + ((minute * 13 + i) % 90),
        outcome: failed ? 'failed' : 'ok',
        httpStatus: failed ? 503 : 200,
        error: failed ? 'The integration answered 503 Service Unavailable.' : null,
        stateVersionAtStart: support!.stateVersion,
        resources: [],
        nextPullAt: startedAt + 60_000,
        deactivateAfter: 100,
        nowMs: startedAt + 50,
      });
    }
  }
  // Replies go out through the reply sender and events through the deliverer, as under `serve`.
  server.app.channelHost.replySender.start();
  server.app.channelHost.deliverer.start();
  await call(base, 'POST', `/api/switchboard/v1/instances/${instanceIds[1]}/deactivate`, { auth: tenant.adminAuth });
  const threads = (
    await call(base, 'GET', `/api/switchboard/v1/instances/${instanceIds[0]}/threads`, { auth: tenant.adminAuth })
  ).json.threads;
  for (const message of ['Thanks, we are on it.', 'Fixed in the next release: you will hear from us.']) {
    await call(base, 'POST', `/api/switchboard/v1/instances/${instanceIds[0]}/threads/${threads[0].id}/replies`, {
      auth: tenant.adminAuth,
      body: { message },
    });
  }
  for (let i = 0; i < 4; i++) {
    await call(base, 'PATCH', `${configs}/account:1001`, {
      token: tenant.tokens.zendesk,
      body: { config: { retries: 3 + i } },
    });
  }
  // Let the deliverer and the reply sender finish their first rounds.
  await new Promise((resolve) => setTimeout(resolve, 3000));

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
  await shot('console-events', `/console/channel_integrations/${integrationId}/events`);
  const newestEvent = await page.locator('tr[data-event-id]').first().getAttribute('data-event-id');
  await shot('console-event', `/console/channel_integrations/${integrationId}/events/${newestEvent}`);
  // The admin UI hand-off, in the console's layout, and the page the integration returns to.
  await page.goto(`${base}/console/channel_integrations/${integrationId}`);
  await page.getByRole('button', { name: 'Add instance' }).click();
  const settings = page.frameLocator('iframe[name="admin_ui"]');
  await settings.getByLabel('Name').fill('Escalations');
  await page.screenshot({ path: `${out}console-handoff.png`, fullPage: true });
  console.log('docs/screenshots/console-handoff.png');
  await settings.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('link', { name: 'Open Escalations' }).waitFor();
  await page.screenshot({ path: `${out}console-handoff-saved.png`, fullPage: true });
  console.log('docs/screenshots/console-handoff-saved.png');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot('console-overview-390', '/console');
  await shot('console-instance-390', `/console/instances/${instanceIds[0]}`);
  await shot('console-events-390', `/console/channel_integrations/${integrationId}/events`);
  await shot('console-integrations-390', '/console/integrations');
  await browser.close();
} finally {
  await server.close();
  await example.close();
  await opened.cleanup();
}
