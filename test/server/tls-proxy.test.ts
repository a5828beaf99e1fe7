import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSettings, type Settings } from '../../src/settings.js';
import { startTlsListeners } from '../../src/server/tls/tls-listeners.js';
import { call, createTenant, startServer, tempDir, type Tenant } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';
import {
  proxyConnect,
  recordingListener,
  requestAs,
  runProgram,
  startTlsServer,
  type TlsTestServer,
} from '../helpers/tls-proxy.js';

const configs = '/api/services/zis/integrations/sync/configs';

/**
 * HTTPS beside HTTP, the vendor's host names (`acme.zendesk.com` picks account acme) and
 * the forward proxy: what it serves in-process, and what it refuses without dialling.
 */
describe.each(storeKinds)('HTTPS and the forward proxy on $name', (kind) => {
  let opened: OpenedStore;
  let server: TlsTestServer;
  let acme: Tenant;
  let other: Tenant;
  let recorder: Awaited<ReturnType<typeof recordingListener>>;

  beforeAll(async () => {
    opened = await kind.open();
    acme = await createTenant(opened.store, 'acme', ['sync']);
    other = await createTenant(opened.store, 'other', ['sync']);
    server = await startTlsServer(opened.store);
    recorder = await recordingListener();
    const created = await call(server.baseUrl, 'POST', configs, {
      token: acme.tokens.sync,
      body: { scope: 'main', config: { on: true } },
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await server?.close();
    await recorder?.close();
    await opened?.cleanup();
  });

  it('serves the same routes over HTTPS, the account named by the Host', async () => {
    const read = await requestAs('acme.zendesk.com', server.httpsPort, server.caPem, `${configs}/main`, {
      headers: { authorization: `Bearer ${acme.tokens.sync}` },
    });
    expect(read.status).toBe(200);
    expect(read.json.config.config).toEqual({ on: true });
    // Another account's credentials on acme's host: 404, as on plain HTTP.
    const wrong = await requestAs('acme.zendesk.com', server.httpsPort, server.caPem, `${configs}/main`, {
      headers: { authorization: `Bearer ${other.tokens.sync}` },
    });
    expect(wrong.status).toBe(404);
    // The Channel framework's routes too (validate_token answers 401 for a wrong token, not 404).
    const push = await requestAs(
      'acme.zendesk.com',
      server.httpsPort,
      server.caPem,
      '/api/v2/any_channel/validate_token',
      {
        method: 'POST',
        headers: { authorization: 'Bearer nope', 'content-type': 'application/json' },
        body: '{"instance_push_id":"x"}',
      },
    );
    expect(push.status).toBe(401);
    // The config-read fast lane answers plain hosts over HTTPS as over HTTP.
    const plain = await requestAs('localhost', server.httpsPort, server.caPem, `${configs}/main`, {
      headers: { authorization: `Bearer ${acme.tokens.sync}` },
    });
    expect(plain.status).toBe(200);
  });

  it('reaches Switchboard with curl --resolve and --cacert, and through the proxy with HTTPS_PROXY', async () => {
    const resolved = await runProgram('curl', [
      '-s',
      '--resolve',
      `acme.zendesk.com:${server.httpsPort}:127.0.0.1`,
      '--cacert',
      server.caPath,
      '-H',
      `Authorization: Bearer ${acme.tokens.sync}`,
      `https://acme.zendesk.com:${server.httpsPort}${configs}/main`,
    ]);
    expect(JSON.parse(resolved.stdout).config.scope).toBe('main');
    const proxied = await runProgram(
      'curl',
      ['-s', '-H', `Authorization: Bearer ${acme.tokens.sync}`, `https://acme.zendesk.com${configs}/main`],
      { HTTPS_PROXY: server.proxyUrl, CURL_CA_BUNDLE: server.caPath, NO_PROXY: '', no_proxy: '' },
    );
    expect(JSON.parse(proxied.stdout).config.scope).toBe('main');
  });

  it('serves absolute-form plain-HTTP requests for the served names', async () => {
    const proxied = await runProgram('curl', [
      '-s',
      '-x',
      server.proxyUrl,
      '-H',
      `Authorization: Bearer ${acme.tokens.sync}`,
      `http://acme.zendesk.com${configs}/main`,
    ]);
    expect(JSON.parse(proxied.stdout).config.scope).toBe('main');
    const refused = await runProgram('curl', [
      '-s',
      '-w',
      '\n%{http_code}',
      '-x',
      server.proxyUrl,
      'http://example.com/',
    ]);
    expect(refused.stdout.split('\n').pop()).toBe('403');
  });

  it('refuses CONNECT to any other host with 403, dialling nothing', async () => {
    for (const target of [
      'example.com:443',
      '127.0.0.1:5432',
      `127.0.0.1:${recorder.port}`,
      `localhost:${recorder.port}`,
      'acme.zendesk.com.evil.test:443',
      'evilzendesk.com:443',
      'a.b.zendesk.com:443',
    ]) {
      const answer = await proxyConnect(server.proxyUrl, target);
      expect(answer.status, target).toBe(403);
      expect(answer.raw, target).toContain('Nothing was dialled');
    }
    expect(recorder.connections()).toBe(0);
    // And what it serves, it serves itself: a CONNECT to acme answers 200 and dials nothing either.
    expect((await proxyConnect(server.proxyUrl, 'acme.zendesk.com:443')).status).toBe(200);
    expect((await proxyConnect(server.proxyUrl, 'not a target')).status).toBe(400);
  });
});

describe.each(storeKinds)('the proxy passthrough on $name', (kind) => {
  let opened: OpenedStore;
  let server: TlsTestServer;
  let recorder: Awaited<ReturnType<typeof recordingListener>>;

  beforeAll(async () => {
    opened = await kind.open();
    recorder = await recordingListener();
    server = await startTlsServer(opened.store, { tls: { proxyPassthrough: ['localhost'] } });
  });
  afterAll(async () => {
    await server?.close();
    await recorder?.close();
    await opened?.cleanup();
  });

  it('relays a listed host (so the recorder does see what is dialled), nothing else', async () => {
    expect((await proxyConnect(server.proxyUrl, `localhost:${recorder.port}`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(recorder.connections()).toBe(1);
    expect((await proxyConnect(server.proxyUrl, `127.0.0.1:${recorder.port}`)).status).toBe(403);
    expect(recorder.connections()).toBe(1);
  });
});

describe('requests through the proxy and over HTTPS count against the per-client limit', () => {
  let opened: OpenedStore;
  let server: TlsTestServer;
  let acme: Tenant;

  beforeAll(async () => {
    opened = await storeKinds[0]!.open();
    acme = await createTenant(opened.store, 'acme', ['sync']);
    const defaults = loadSettings({});
    server = await startTlsServer(opened.store, {
      settings: { connections: { ...defaults.connections, maxRequestsPerClient: 1 } },
    });
  });
  afterAll(async () => {
    await server?.close();
    await opened?.cleanup();
  });

  it('answers 429 while the same client address holds its one slot on the plain HTTP port', async () => {
    // A request whose body has not arrived holds its slot (counted before the body is read).
    const held = connect(Number(new URL(server.baseUrl).port), '127.0.0.1');
    await new Promise((resolve) => held.once('connect', resolve));
    held.write(
      `POST ${configs} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${acme.tokens.sync}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const auth = ['-H', `Authorization: Bearer ${acme.tokens.sync}`];
    const status = ['-s', '-o', '/dev/null', '-w', '%{http_code}'];
    const viaConnect = await runProgram('curl', [...status, ...auth, `https://acme.zendesk.com${configs}/main`], {
      HTTPS_PROXY: server.proxyUrl,
      CURL_CA_BUNDLE: server.caPath,
    });
    expect(viaConnect.stdout).toBe('429');
    const absolute = await runProgram('curl', [
      ...status,
      ...auth,
      '-x',
      server.proxyUrl,
      `http://acme.zendesk.com${configs}/main`,
    ]);
    expect(absolute.stdout).toBe('429');
    held.destroy();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const freed = await runProgram('curl', [...status, ...auth, `https://acme.zendesk.com${configs}/main`], {
      HTTPS_PROXY: server.proxyUrl,
      CURL_CA_BUNDLE: server.caPath,
    });
    expect(freed.stdout).toBe('404');
  });
});

describe("HTTPS with the operator's certificate (production)", () => {
  const dir = tempDir();
  let opened: OpenedStore;
  let server: TlsTestServer | undefined;
  afterAll(async () => {
    await server?.close();
    await opened?.cleanup();
    dir.remove();
  });

  it('serves the given certificate and makes no CA', async () => {
    // A certificate from some CA of the operator's: here one made the same way, elsewhere.
    const { ensureLocalCa, issueServerCertificate } = await import('../../src/server/tls/local-ca.js');
    const operatorCa = await ensureLocalCa(join(dir.path, 'operator'));
    const issued = await issueServerCertificate(operatorCa, ['switchboard.example.test']);
    writeFileSync(join(dir.path, 'cert.pem'), issued.certPem);
    writeFileSync(join(dir.path, 'key.pem'), issued.keyPem, { mode: 0o600 });
    opened = await storeKinds[0]!.open();
    const started = await startTlsListenersOnly(opened, {
      mode: 'production',
      tls: {
        ...loadSettings({}).tls,
        enabled: true,
        certFile: join(dir.path, 'cert.pem'),
        keyFile: join(dir.path, 'key.pem'),
        httpsPort: 0,
        proxyPort: undefined,
      },
    });
    server = started.server;
    expect(started.tls.caCertPath).toBeUndefined();
    const health = await requestAs('switchboard.example.test', started.tls.httpsPort, operatorCa.certPem, '/healthz');
    expect(health.status).toBe(200);
    expect(existsSync(join(started.dataDir, 'tls'))).toBe(false);
  });
});

/** The app and its HTTPS port from explicit settings (no local CA unless they call for one). */
async function startTlsListenersOnly(opened: OpenedStore, overrides: Partial<Settings>) {
  const data = tempDir();
  const settings: Settings = { ...loadSettings({}), dataDir: data.path, ...overrides };
  const app = await startServer(opened.store, { settings });
  const tls = await startTlsListeners(app.app, settings);
  return {
    tls,
    dataDir: data.path,
    server: {
      close: async () => {
        await Promise.all([tls.close(), app.close()]);
        data.remove();
      },
    } as TlsTestServer,
  };
}
