import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';
import { rawRequest } from './raw-http.js';

// Requests that never reach a route, replayed against a real listening server: each gets
// an answer in the documented envelope, and no client can hold a connection forever.

const configs = '/api/services/zis/integrations/crm/configs';

/** The ZIS envelope with the given status, and a detail that says something. */
function expectEnvelope(body: string, status: number): void {
  const json = JSON.parse(body) as { errors: { code: string; detail: string; status: string }[] };
  expect(json.errors).toHaveLength(1);
  expect(json.errors[0]!.status).toBe(String(status));
  expect(json.errors[0]!.detail.length).toBeGreaterThan(10);
}

describe.each(storeKinds)('requests that never reach a route, on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;

  beforeAll(async () => {
    opened = await kind.open();
    const defaults = loadSettings({});
    server = await startServer(opened.store, {
      settings: {
        connections: {
          ...defaults.connections,
          requestTimeoutMs: 1000,
          headersTimeoutMs: 1000,
          maxRequestsPerClient: 4,
        },
      },
    });
    tenant = await createTenant(opened.store, 'acme', ['crm']);
  });
  afterAll(async () => {
    await server.close();
    await opened.cleanup();
  });

  it('cuts off a client that sends its body one byte at a time, with a 408 in the envelope', async () => {
    const head =
      `POST ${configs} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tenant.tokens.crm}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 200\r\n\r\n';
    const drip = Array.from({ length: 100 }, () => ' ');
    const answer = await rawRequest(server.baseUrl, [head, ...drip], { gapMs: 200, timeoutMs: 8000 });
    expect(answer.closedByServer).toBe(true);
    expect(answer.status).toBe(408);
    expectEnvelope(answer.body, 408);
    // Timeout 1 s, checked every second: well before the 20 s the drip would take.
    expect(answer.ms).toBeLessThan(5000);
    expect(
      (await call(server.baseUrl, 'GET', `${configs}?filter[scope]=*`, { token: tenant.tokens.crm })).json,
    ).not.toMatchObject({ configs: [{}] });
  });

  it('answers a slow body on /api/v2/ with 408 in the Support API shape', async () => {
    // Authenticated: credentials are checked before a body is read (an unauthenticated one is refused at once).
    const head =
      `POST /api/v2/oauth/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: ${tenant.adminAuth}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 200\r\n\r\n';
    const answer = await rawRequest(server.baseUrl, [head, ...Array.from({ length: 50 }, () => ' ')], {
      gapMs: 200,
      timeoutMs: 8000,
    });
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ error: expect.any(String), description: expect.any(String) });
  });

  it('answers a slow unauthenticated push 401 at once, without waiting for its body', async () => {
    const head =
      'POST /api/v2/any_channel/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n';
    const answer = await rawRequest(server.baseUrl, [head, ...Array.from({ length: 50 }, () => ' ')], {
      gapMs: 200,
      timeoutMs: 8000,
    });
    expect(answer.status).toBe(401);
    expect(answer.ms).toBeLessThan(5000);
    // A small body is drained as Node does (the connection stays), so only the first answer is read.
    expect(answer.body).toMatch(/^\{"error":"Unauthorized"/);
  });

  it('cuts off a client that never finishes its headers', async () => {
    const answer = await rawRequest(server.baseUrl, ['GET / HTTP/1.1\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n'], {
      gapMs: 700,
      timeoutMs: 8000,
    });
    expect(answer.closedByServer).toBe(true);
    expect(answer.ms).toBeLessThan(5000);
    if (answer.status !== undefined) expectEnvelope(answer.body, answer.status);
  });

  it.each([
    ['%ff', '/api/services/zis/integrations/crm/configs/%ff'],
    ['%zz', '/api/services/zis/integrations/crm/configs/%zz'],
    ['a lone %', '/api/services/zis/integrations/crm/configs/%'],
  ])('answers bad percent-encoding (%s) with 400 in the envelope', async (_name, path) => {
    const response = await call(server.baseUrl, 'GET', path, { token: tenant.tokens.crm });
    expect(response.status).toBe(400);
    expect(response.json.errors[0]).toMatchObject({ code: '1100', status: '400' });
    expect(response.json.errors[0].detail).toContain('percent-encoding');
    expect(response.text).not.toContain('FST_ERR');
  });

  it('answers bad percent-encoding on /api/v2/ in the Support API shape', async () => {
    const response = await call(server.baseUrl, 'GET', '/api/v2/oauth/tokens/%zz');
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: 'RecordInvalid' });
    expect(response.json.description).toContain('percent-encoding');
  });

  it.each([
    ['an invalid method', 'G@T / HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    [
      'conflicting Content-Length headers',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
      400,
    ],
    ['oversized headers', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['a CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 405],
  ])('answers %s in the envelope, not a bare status or a silent close', async (_name, bytes, status) => {
    const answer = await rawRequest(server.baseUrl, [bytes], { timeoutMs: 5000 });
    expect(answer.status).toBe(status);
    expectEnvelope(answer.body, status);
  });

  it('refuses a client more requests in flight than the cap, 429 in the envelope, and serves others', async () => {
    // Four requests whose bodies never finish hold the cap of four; the fifth is refused at once.
    const held = Array.from({ length: 4 }, () =>
      rawRequest(
        server.baseUrl,
        [
          `POST ${configs} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tenant.tokens.crm}\r\n` +
            'Content-Type: application/json\r\nContent-Length: 50\r\n\r\n{',
        ],
        { timeoutMs: 6000 },
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const refused = await call(server.baseUrl, 'GET', `${configs}?filter[scope]=*`, { token: tenant.tokens.crm });
    expect(refused.status).toBe(429);
    expect(refused.json.errors[0]).toMatchObject({ status: '429' });
    // The held requests time out (408); then the client is served again.
    for (const answer of await Promise.all(held)) expect(answer.status).toBe(408);
    const after = await call(server.baseUrl, 'GET', `${configs}?filter[scope]=*`, { token: tenant.tokens.crm });
    expect(after.status).not.toBe(429);
  });
});
