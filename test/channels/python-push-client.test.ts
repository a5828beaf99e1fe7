import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { call, createTenant, type Tenant } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';
import { debianPython, pythonRequestsMissing, startTlsServer, type TlsTestServer } from '../helpers/tls-proxy.js';

const script = fileURLToPath(new URL('./python/push_integration.py', import.meta.url));
const api = '/api/switchboard/v1';
const missing = pythonRequestsMissing();

const unescapeHtml = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|#x27|#39);/g, (_, name: string) =>
    name === 'amp' ? '&' : name === 'lt' ? '<' : name === 'gt' ? '>' : name === 'quot' ? '"' : "'",
  );

/** A form's action and its named inputs, as a browser would submit it. */
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
 * An unmodified Python push integration (test/channels/python/push_integration.py, Debian's
 * python3-requests) that hard-codes https://{subdomain}.zendesk.com: given only
 * HTTPS_PROXY and REQUESTS_CA_BUNDLE, it pushes, validates its token and receives a
 * channelback, through the forward proxy.
 */
describe.skipIf(missing !== undefined).each(storeKinds)('an unmodified Python push client on $name', (kind) => {
  let opened: OpenedStore;
  let server: TlsTestServer;
  let tenant: Tenant;
  let python: ChildProcess;
  let pythonUrl: string;
  let pythonOutput = '';

  beforeAll(async () => {
    opened = await kind.open();
    const pull = { ...loadSettings({}).pull, scheduler: false };
    server = await startTlsServer(opened.store, { settings: { pull } });
    tenant = await createTenant(opened.store, 'acme', []);
    python = spawn(debianPython, [script], {
      env: { PATH: process.env.PATH, HTTPS_PROXY: server.proxyUrl, REQUESTS_CA_BUNDLE: server.caPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    python.stderr!.setEncoding('utf8').on('data', (chunk) => (pythonOutput += chunk));
    pythonUrl = await new Promise<string>((resolve, reject) => {
      python.stdout!.setEncoding('utf8').on('data', (chunk) => {
        pythonOutput += chunk;
        const port = /listening (\d+)/.exec(pythonOutput)?.[1];
        if (port) resolve(`http://127.0.0.1:${port}`);
      });
      python.once('exit', (code) => reject(new Error(`python exited with ${code}: ${pythonOutput}`)));
    });
  });
  afterAll(async () => {
    python?.kill();
    await server?.close();
    await opened?.cleanup();
  });

  it('is handed its subdomain and token, pushes, validates the token and receives a channelback', async () => {
    const registered = await call(server.baseUrl, 'POST', `${api}/channel_integrations`, {
      auth: tenant.adminAuth,
      body: { manifest_url: `${pythonUrl}/manifest.json` },
    });
    expect(registered.status).toBe(201);
    // The admin UI hand-off, as the admin's browser would go: console → integration → return_url.
    const consolePage = await postForm(
      `${server.baseUrl}/console/channel_integrations/${registered.json.integration.id}/admin_ui`,
      {},
      { authorization: tenant.adminAuth },
    );
    const toAdminUi = formOf(await consolePage.text());
    expect(toAdminUi.fields.subdomain).toBe('acme');
    const toReturnUrl = formOf(await (await postForm(toAdminUi.action, toAdminUi.fields)).text());
    expect((await postForm(toReturnUrl.action, toReturnUrl.fields)).status).toBe(200);

    const pushed = await call(pythonUrl, 'POST', '/send', { body: { text: 'Hello from Python' } });
    expect(pushed.status, pythonOutput).toBe(200);
    expect(pushed.json.results).toEqual([
      { external_resource_id: 'py-message-1', status: expect.objectContaining({ code: 'success' }) },
    ]);
    expect((await call(pythonUrl, 'POST', '/validate')).json).toEqual({ status: 200 });

    const [instance] = (await call(server.baseUrl, 'GET', `${api}/instances`, { auth: tenant.adminAuth })).json
      .instances;
    const [thread] = (
      await call(server.baseUrl, 'GET', `${api}/instances/${instance.id}/threads`, { auth: tenant.adminAuth })
    ).json.threads;
    expect(thread.thread_key).toBe('py-conversation');
    server.app.channelHost.replySender.start();
    const reply = await call(server.baseUrl, 'POST', `${api}/instances/${instance.id}/threads/${thread.id}/replies`, {
      auth: tenant.adminAuth,
      body: { message: 'An agent answers' },
    });
    expect(reply.status).toBe(202);
    for (let i = 0; i < 200 && !pythonOutput.includes('"channelback"'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(pythonOutput).toContain('{"channelback": "An agent answers", "thread_id": "py-conversation"}');
  });
});
