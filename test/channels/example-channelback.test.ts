import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExampleIntegration } from '../../examples/channel-integration/server.js';
import { loadSettings } from '../../src/settings.js';
import { runCli } from '../helpers/processes.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const api = '/api/switchboard/v1';

/** The example integration end to end: a reply made with the CLI, sent, and its clickthrough page. */
describe.each(storeKinds)('the example integration takes replies on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  let example: Awaited<ReturnType<typeof startExampleIntegration>>;
  const admin = (method: string, path: string, body?: unknown) =>
    call(server.baseUrl, method, `${api}${path}`, { auth: tenant.adminAuth, body });

  beforeAll(async () => {
    opened = await kind.open();
    const settings = loadSettings({});
    server = await startServer(opened.store, { settings: { pull: { ...settings.pull, scheduler: false } } });
    tenant = await createTenant(opened.store, 'acme', []);
    example = await startExampleIntegration({ port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await example.close();
    await opened.cleanup();
  });

  it('sends a reply made with `switchboard replies create`, signed, and links to it', async () => {
    const registered = await admin('POST', '/channel_integrations', { manifest_url: `${example.url}/manifest.json` });
    example.setSigningSecret(registered.json.signing_secret);
    const created = await admin('POST', '/instances', {
      integration_id: registered.json.integration.id,
      name: 'Demo',
      metadata: '{"messages_per_pull":2}',
      state: '{"cursor":0}',
    });
    const instance = created.json.instance.id;
    expect((await admin('POST', `/instances/${instance}/pull`)).json.pull.outcome).toBe('ok');
    const [thread] = (await admin('GET', `/instances/${instance}/threads`)).json.threads;

    const cli = await runCli([
      'replies',
      'create',
      '--account',
      'acme',
      '--instance',
      String(instance),
      '--thread',
      String(thread.id),
      '--message',
      'Thanks, on it!',
      '--database',
      opened.url,
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const { reply } = JSON.parse(cli.stdout);
    expect(reply).toMatchObject({ status: 'pending', message: 'Thanks, on it!', parent_id: 'example-msg-1' });

    expect(await server.app.channelHost.replySender.sendDue()).toBe(1);
    const sent = (await admin('GET', `/instances/${instance}/replies/${reply.id}`)).json.reply;
    // The example checks the signature: a 401 would leave the reply pending.
    expect(sent).toMatchObject({ status: 'sent', external_id: 'example-reply-1' });

    const resources = (await admin('GET', `/instances/${instance}/threads/${thread.id}/resources`)).json.resources;
    const mine = resources.find((r: { external_id: string }) => r.external_id === 'example-reply-1');
    const redirected = await fetch(`${server.baseUrl}${api}/instances/${instance}/resources/${mine.id}/clickthrough`, {
      headers: { authorization: tenant.adminAuth },
      redirect: 'manual',
    });
    expect(redirected.headers.get('location')).toBe(`${example.url}/clickthrough?external_id=example-reply-1`);
    const page = await fetch(redirected.headers.get('location')!);
    expect(await page.text()).toContain('Thanks, on it!');

    const refused = await runCli([
      'replies',
      'create',
      '--account',
      'acme',
      '--instance',
      String(instance),
      '--thread',
      '99999',
      '--message',
      'x',
      '--database',
      opened.url,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/No thread 99999/);
  });
});
