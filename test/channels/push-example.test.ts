import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPushIntegration } from '../../examples/push-integration/server.js';
import { loadSettings } from '../../src/settings.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const api = '/api/switchboard/v1';

const unescapeHtml = (text: string) =>
  text.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name]!,
  );

/** A form's action and its named inputs, read from HTML as a browser would submit it. */
function formOf(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1];
  if (action === undefined) throw new Error(`no form in ${html}`);
  const fields: Record<string, string> = {};
  for (const input of html.matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1];
    if (name !== undefined) fields[unescapeHtml(name)] = unescapeHtml(value ?? '');
  }
  return { action: unescapeHtml(action), fields };
}

const postForm = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields),
  });

/**
 * examples/push-integration run for real: Switchboard's console starts the admin UI hand-off
 * (driven here without a browser, posting the fields the page's form would), the example
 * keeps the instance_push_id and zendesk_access_token it receives, and its POST /send
 * pushes a message through the push API.
 */
describe.each(storeKinds)('the push example integration on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  let example: Awaited<ReturnType<typeof startPushIntegration>>;
  let integrationId: number;
  const admin = (method: string, path: string) =>
    call(server.baseUrl, method, `${api}${path}`, { auth: tenant.adminAuth });

  /** Console page → integration's admin_ui → return_url, as the admin's browser would go. */
  const handOff = async (consolePath: string) => {
    const consolePage = await postForm(`${server.baseUrl}${consolePath}`, {}, { authorization: tenant.adminAuth });
    expect(consolePage.status).toBe(200);
    const toAdminUi = formOf(await consolePage.text());
    const settingsPage = await postForm(toAdminUi.action, toAdminUi.fields);
    const toReturnUrl = formOf(await settingsPage.text());
    expect(toReturnUrl.action).toBe(toAdminUi.fields.return_url);
    const saved = await postForm(toReturnUrl.action, toReturnUrl.fields);
    expect(saved.status).toBe(200);
    return toAdminUi.fields;
  };
  const send = (text: string) =>
    call(example.url, 'POST', '/send', { body: { text } }) as Promise<{ status: number; json: any }>;
  const validate = (pushId: string, token: string) =>
    call(server.baseUrl, 'POST', '/api/v2/any_channel/validate_token', { token, body: { instance_push_id: pushId } });

  beforeAll(async () => {
    opened = await kind.open();
    const settings = loadSettings({});
    server = await startServer(opened.store, { settings: { pull: { ...settings.pull, scheduler: false } } });
    tenant = await createTenant(opened.store, 'acme', []);
    example = await startPushIntegration({ port: 0, hostUrl: server.baseUrl });
    const created = await call(server.baseUrl, 'POST', `${api}/channel_integrations`, {
      auth: tenant.adminAuth,
      body: { manifest_url: `${example.url}/manifest.json` },
    });
    expect(created.status).toBe(201);
    integrationId = created.json.integration.id;
  });
  afterAll(async () => {
    await server?.close();
    await example?.close();
    await opened?.cleanup();
  });

  it('gets push credentials through the hand-off and pushes messages into one thread', async () => {
    expect((await send('too early')).status).toBe(400);
    const handed = await handOff(`/console/channel_integrations/${integrationId}/admin_ui`);
    expect(handed).toMatchObject({ name: '', metadata: '', state: '', subdomain: 'acme' });
    expect(handed.instance_push_id).toBeTruthy();
    expect(handed.zendesk_access_token).toMatch(/^sbpt_/);
    expect(example.credentials.get(handed.instance_push_id!)).toBe(handed.zendesk_access_token);

    const [instance] = (await admin('GET', '/instances')).json.instances;
    expect(instance).toMatchObject({ name: 'Push inbox', instance_push_id: handed.instance_push_id });

    const first = await send('Hello from a push');
    expect(first.status).toBe(200);
    expect(first.json.results).toEqual([
      {
        external_resource_id: expect.stringMatching(/^example-push-/),
        status: { code: 'success' },
      },
    ]);
    expect((await send('And another')).json.results[0].status.code).toBe('success');
    const [thread] = (await admin('GET', `/instances/${instance.id}/threads`)).json.threads;
    expect(thread).toMatchObject({ thread_key: 'example-conversation', resource_count: 2 });
    const resources = (await admin('GET', `/instances/${instance.id}/threads/${thread.id}/resources`)).json.resources;
    expect(resources.map((r: { resource: { message: string } }) => r.resource.message)).toEqual([
      'Hello from a push',
      'And another',
    ]);
  });

  it('gets a fresh token on edit; the old one stops working once the settings are saved', async () => {
    const [instance] = (await admin('GET', '/instances')).json.instances;
    const before = example.credentials.get(instance.instance_push_id)!;
    expect((await validate(instance.instance_push_id, before)).status).toBe(200);
    const handed = await handOff(`/console/instances/${instance.id}/admin_ui`);
    expect(handed.instance_push_id).toBe(instance.instance_push_id);
    expect(handed.zendesk_access_token).not.toBe(before);
    expect((await validate(instance.instance_push_id, before)).status).toBe(401);
    expect((await validate(instance.instance_push_id, handed.zendesk_access_token!)).status).toBe(200);
    expect((await send('After the edit')).json.results[0].status.code).toBe('success');
  });
});
