import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../../helpers/server.js';
import { storeKinds, type OpenedStore } from '../../helpers/stores.js';
import { startTlsServer, type TlsTestServer } from '../../helpers/tls-proxy.js';

const script = fileURLToPath(new URL('../../../examples/zis-setup/setup.sh', import.meta.url));

function runScript(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.each(storeKinds)('a ZIS setup script in the vendor order, unedited, on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let acme: Tenant;

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store);
    acme = await createTenant(opened.store, 'acme', []);
  });
  afterAll(async () => {
    await server.close();
    await opened.cleanup();
  });

  it('registers, uploads, installs, connects and configures', async () => {
    const run = await runScript({
      SUBDOMAIN: 'acme',
      ADMIN_EMAIL: acme.adminEmail,
      API_TOKEN: acme.apiToken,
      INTEGRATION: 'ticket_hooks',
      // The one difference from the vendor: where it goes (the proxy or a hosts line does this in the README).
      ZENDESK_URL: server.baseUrl,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Integration ticket_hooks is set up.');
    const jobSpecs = await call(server.baseUrl, 'GET', '/api/switchboard/v1/integrations/ticket_hooks/job_specs', {
      auth: acme.adminAuth,
    });
    expect(jobSpecs.json.job_specs).toEqual([
      expect.objectContaining({ name: 'zis:ticket_hooks:job_spec:ticket_job_spec', installed: true }),
    ]);
    const key = { accountId: acme.accountId, integration: 'ticket_hooks' };
    expect((await opened.store.zisRegistry.listConnections(key)).map((c) => c.name)).toEqual(['hooks']);
    expect((await opened.store.zisRegistry.listOAuthClients(key)).map((c) => c.clientId)).toEqual(['provider-client']);
    expect(await opened.store.getConfig(key, 'settings')).toBeDefined();
  });
});

describe.each(storeKinds)('the same script against https://acme.zendesk.com through the proxy, on $name', (kind) => {
  let opened: OpenedStore;
  let server: TlsTestServer;
  let acme: Tenant;

  beforeAll(async () => {
    opened = await kind.open();
    server = await startTlsServer(opened.store);
    acme = await createTenant(opened.store, 'acme', []);
  });
  afterAll(async () => {
    await server?.close();
    await opened.cleanup();
  });

  it('runs with no edits: only the proxy and the CA file in the environment', async () => {
    const run = await runScript({
      SUBDOMAIN: 'acme',
      ADMIN_EMAIL: acme.adminEmail,
      API_TOKEN: acme.apiToken,
      INTEGRATION: 'ticket_hooks',
      // No ZENDESK_URL: the script builds https://acme.zendesk.com itself, as written for the vendor.
      ZENDESK_URL: '',
      HTTPS_PROXY: server.proxyUrl,
      https_proxy: server.proxyUrl,
      NO_PROXY: '',
      no_proxy: '',
      CURL_CA_BUNDLE: server.caPath,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Integration ticket_hooks is set up.');
    const key = { accountId: acme.accountId, integration: 'ticket_hooks' };
    expect((await opened.store.zisRegistry.listConnections(key)).map((c) => c.name)).toEqual(['hooks']);
    expect((await opened.store.zisRegistry.listOAuthClients(key)).map((c) => c.clientId)).toEqual(['provider-client']);
    expect(await opened.store.getConfig(key, 'settings')).toBeDefined();
  });
});
