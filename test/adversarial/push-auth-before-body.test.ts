import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { defaultManifest, resource, startFakeIntegration } from '../helpers/fake-integration.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const pushPath = '/api/v2/any_channel/push';
const validatePath = '/api/v2/any_channel/validate_token';
const reportPath = '/api/v2/any_channel/channelback/report_error';
/** Small enough that two 800 KB bodies cannot be in flight at once. */
const bytesInFlight = 1024 * 1024;

interface PushInstance {
  id: number;
  pushId: string;
  token: string;
}

/** A raw connection: what the server sent, and whether it closed the connection. */
function rawConnection(baseUrl: string): { socket: Socket; received: () => string; closed: Promise<void> } {
  const { port, hostname } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  let text = '';
  socket.on('data', (data) => (text += data.toString('utf8')));
  socket.on('error', () => {});
  const closed = new Promise<void>((done) => socket.on('close', () => done()));
  return { socket, received: () => text, closed };
}

const head = (path: string, token: string, length: number) =>
  `POST ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\n` +
  `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

/** Waits until `check` holds, polling; fails after `ms`. */
async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Issue 18, finding 2: push authentication reads the token before the body. A refused
 * request (wrong token, an address past its failure limit) is answered while its body is
 * still arriving, and the connection is closed rather than read to its end; a valid token
 * with another instance's `instance_push_id` answers 401 after the body; and the node
 * holds no more request-body bytes at once than SWITCHBOARD_BODY_BYTES_IN_FLIGHT (503).
 */
describe.each(storeKinds)('push authenticated before its body on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  let fake: Awaited<ReturnType<typeof startFakeIntegration>>;
  let integrationId: number;
  const newInstance = async (name: string): Promise<PushInstance> => {
    const created = await call(server.baseUrl, 'POST', '/api/switchboard/v1/instances', {
      auth: tenant.adminAuth,
      body: { integration_id: integrationId, name },
    });
    expect(created.status).toBe(201);
    return {
      id: created.json.instance.id,
      pushId: created.json.instance.instance_push_id,
      token: created.json.zendesk_access_token,
    };
  };

  beforeAll(async () => {
    opened = await kind.open();
    const settings = loadSettings({});
    server = await startServer(opened.store, {
      settings: {
        pull: { ...settings.pull, scheduler: false },
        bodyBytesInFlight: bytesInFlight,
        authFailures: { perAddress: 5, perCredential: 5, windowSeconds: 60 },
      },
    });
    tenant = await createTenant(opened.store, 'acme', []);
    fake = await startFakeIntegration({ ...defaultManifest(), push_client_id: 'fake-push-client' });
    const registered = await call(server.baseUrl, 'POST', '/api/switchboard/v1/channel_integrations', {
      auth: tenant.adminAuth,
      body: { manifest_url: fake.manifestUrl },
    });
    integrationId = registered.json.integration.id;
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
    await opened.cleanup();
  });

  it("answers a valid token with another instance's instance_push_id 401, storing nothing", async () => {
    const mine = await newInstance('Mine');
    const theirs = await newInstance('Theirs');
    const pushed = await call(server.baseUrl, 'POST', pushPath, {
      token: mine.token,
      body: { instance_push_id: theirs.pushId, external_resources: [resource('m1')] },
    });
    expect(pushed.status).toBe(401);
    expect(pushed.json.error).toBe('Unauthorized');
    for (const path of [validatePath, reportPath]) {
      const refused = await call(server.baseUrl, 'POST', path, {
        token: mine.token,
        body: { instance_push_id: theirs.pushId, external_id: 'x' },
      });
      expect(refused.status).toBe(401);
    }
    for (const instance of [mine, theirs]) {
      const threads = await call(server.baseUrl, 'GET', `/api/switchboard/v1/instances/${instance.id}/threads`, {
        auth: tenant.adminAuth,
      });
      expect(threads.json.threads).toEqual([]);
    }
    // Its own push id passes: the token found the instance.
    const own = await call(server.baseUrl, 'POST', pushPath, {
      token: mine.token,
      body: { instance_push_id: mine.pushId, external_resources: [resource('m1')] },
    });
    expect(own.status).toBe(200);
  });

  it('answers a wrong token while a large body is still arriving, and closes the connection', async () => {
    const length = 14 * 1024 * 1024;
    const connection = rawConnection(server.baseUrl);
    connection.socket.write(head(pushPath, 'sbpt_wrong', length) + '{"instance_push_id":"x","pad":"');
    connection.socket.write('x'.repeat(64 * 1024));
    // Before this fix the server waited for the other 14 MiB (this would time out).
    await eventually(() => connection.received().includes('\r\n\r\n'));
    expect(connection.received()).toMatch(/^HTTP\/1\.1 401 /);
    expect(connection.received().toLowerCase()).toContain('connection: close');
    await connection.closed;
    // A chunked body (no length) is treated as large too.
    const chunked = rawConnection(server.baseUrl);
    chunked.socket.write(
      `POST ${pushPath} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer sbpt_wrong\r\n` +
        'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10000\r\n' +
        'x'.repeat(0x10000) +
        '\r\n',
    );
    await eventually(() => chunked.received().includes('\r\n\r\n'));
    expect(chunked.received()).toMatch(/^HTTP\/1\.1 401 /);
    expect(chunked.received().toLowerCase()).toContain('connection: close');
    await chunked.closed;
  });

  it('lets a client still sending its body read the refusal before the connection goes', async () => {
    // Closing a socket with unread bytes sends a reset, which takes with it an answer the
    // client has not read yet: this client reads nothing for half a second, as a busy one might.
    const connection = rawConnection(server.baseUrl);
    connection.socket.pause();
    connection.socket.write(head(pushPath, 'sbpt_wrong', 14 * 1024 * 1024) + 'x'.repeat(4 * 1024 * 1024));
    await new Promise((resolve) => setTimeout(resolve, 500));
    connection.socket.resume();
    await connection.closed;
    // 429 once this file's earlier wrong tokens put the address past its failure limit.
    expect(connection.received()).toMatch(/^HTTP\/1\.1 (401|429) /);
  });

  it('answers an address past its failure limit 429 before reading the body', async () => {
    for (let i = 0; i < 6; i++) {
      await call(server.baseUrl, 'POST', validatePath, { token: `sbpt_guess_${i}`, body: {} });
    }
    const connection = rawConnection(server.baseUrl);
    connection.socket.write(head(pushPath, 'sbpt_wrong_again', 14 * 1024 * 1024) + '{"pad":"');
    await eventually(() => connection.received().includes('\r\n\r\n'));
    expect(connection.received()).toMatch(/^HTTP\/1\.1 429 /);
    expect(connection.received().toLowerCase()).toMatch(/retry-after: \d+/);
    expect(connection.received().toLowerCase()).toContain('connection: close');
    await connection.closed;
  });

  it('keeps bodies that carry their own credentials to a quarter of the cap, leaving the rest to checked ones', async () => {
    const instance = await newInstance('Share');
    const unchecked = '{"grant_type":"client_credentials","pad":"' + 'x'.repeat(200_000) + '"}';
    // An unauthenticated token grant holds 200 KB of the 256 KiB share while its body trickles in.
    const first = rawConnection(server.baseUrl);
    first.socket.write(
      `POST /oauth/tokens HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${unchecked.length}\r\n\r\n${unchecked.slice(0, 100)}`,
    );
    await eventually(() => server.app.bodyBytesInFlight() === unchecked.length);
    const second = await call(server.baseUrl, 'POST', '/oauth/tokens', {
      rawBody: unchecked,
      headers: { 'content-type': 'application/json' },
    });
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    // A push-token request of 600 KB still fits in the whole cap.
    const checked = JSON.stringify({ instance_push_id: instance.pushId, pad: 'x'.repeat(600_000) });
    const valid = await call(server.baseUrl, 'POST', validatePath, {
      token: instance.token,
      rawBody: checked,
      headers: { 'content-type': 'application/json' },
    });
    expect(valid.status).toBe(200);
    first.socket.destroy();
    await eventually(() => server.app.bodyBytesInFlight() === 0);
  });

  it('caps the request-body bytes in flight: 503 with Retry-After beyond it, in the envelope', async () => {
    const instance = await newInstance('Budget');
    const body = (pad: number) =>
      JSON.stringify({ instance_push_id: instance.pushId, pad: 'x'.repeat(pad) }).padEnd(pad, ' ');
    const large = body(800_000);
    // The first holds 800 KB of the 1 MiB budget while its body trickles in.
    const first = rawConnection(server.baseUrl);
    first.socket.write(head(validatePath, instance.token, large.length) + large.slice(0, 100));
    // Once the first has passed its token check and reserved its bytes.
    await eventually(() => server.app.bodyBytesInFlight() === large.length);
    const second = await call(server.baseUrl, 'POST', validatePath, {
      token: instance.token,
      rawBody: large,
      headers: { 'content-type': 'application/json' },
    });
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(second.json.error).toBe('ServiceUnavailable');
    expect(second.json.description).toContain('SWITCHBOARD_BODY_BYTES_IN_FLIGHT');
    // Small bodies still fit beside it.
    const small = await call(server.baseUrl, 'POST', validatePath, {
      token: instance.token,
      body: { instance_push_id: instance.pushId },
    });
    expect(small.status).toBe(200);
    first.socket.end(large.slice(100));
    await eventually(() => first.received().includes('\r\n\r\n'));
    expect(first.received()).toMatch(/^HTTP\/1\.1 200 /);
    first.socket.destroy();
    await eventually(() => server.app.bodyBytesInFlight() === 0);
    // Its bytes are freed with its answer: the second one fits now.
    const again = await call(server.baseUrl, 'POST', validatePath, {
      token: instance.token,
      rawBody: large,
      headers: { 'content-type': 'application/json' },
    });
    expect(again.status).toBe(200);
  });
});
