import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';
import { rawRequest } from './raw-http.js';

const configs = '/api/services/zis/integrations/crm/configs';
const revisions = (scope: string) =>
  `/api/switchboard/v1/integrations/crm/configs/${encodeURIComponent(scope)}/revisions`;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Finding 6 of issue 18: a client's X-Request-Id was kept verbatim (12,000 characters in
 * config history's `actor.request_id`). Only 1–128 visible ASCII characters are kept; any
 * other value is replaced by a generated id, and history records the id the server used.
 */
describe.each(storeKinds)('X-Request-Id on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  const req = (method: string, url: string, options: Parameters<typeof call>[3] = {}) =>
    call(server.baseUrl, method, url, { token: tenant.tokens.crm, ...options });
  const actorOf = async (scope: string) => (await req('GET', revisions(scope))).json.revisions[0].actor;

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store);
    tenant = await createTenant(opened.store, 'acme', ['crm']);
  });
  afterAll(async () => {
    await server.close();
    await opened.cleanup();
  });

  it('replaces a 12,000-character id, and history keeps the one the server used', async () => {
    const long = 'x'.repeat(12_000);
    const created = await req('POST', configs, {
      body: { scope: 'long', config: {} },
      headers: { 'x-request-id': long },
    });
    expect(created.status).toBe(201);
    const used = created.headers.get('x-request-id')!;
    expect(used).toMatch(uuid);
    expect((await actorOf('long')).request_id).toBe(used);
  });

  it('keeps 128 visible characters, not 129, nor spaces or non-ASCII', async () => {
    const edge = '!'.repeat(1) + 'a'.repeat(126) + '~';
    const kept = await req('POST', configs, { body: { scope: 'edge', config: {} }, headers: { 'x-request-id': edge } });
    expect(kept.headers.get('x-request-id')).toBe(edge);
    expect((await actorOf('edge')).request_id).toBe(edge);
    for (const [i, id] of ['a'.repeat(129), 'has space', 'tab\tin', 'caf\u00e9'].entries()) {
      const scope = `odd-${i}`;
      const answer = await req('POST', configs, { body: { scope, config: {} }, headers: { 'x-request-id': id } });
      expect(answer.status, id).toBe(201);
      expect(answer.headers.get('x-request-id'), id).toMatch(uuid);
      expect((await actorOf(scope)).request_id).toBe(answer.headers.get('x-request-id'));
    }
  });

  it('the config read (fast lane on SQLite) uses the same rule; a raw control byte is refused before any route', async () => {
    const answer = await rawRequest(server.baseUrl, [
      `GET ${configs}/long HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${tenant.tokens.crm}\r\n` +
        `X-Request-Id: ${'y'.repeat(300)}\r\nConnection: close\r\n\r\n`,
    ]);
    expect(answer.status).toBe(200);
    expect(/x-request-id: (\S+)/i.exec(answer.head)?.[1]).toMatch(uuid);
    const raw = await rawRequest(server.baseUrl, [
      `POST ${configs} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${tenant.tokens.crm}\r\n` +
        `Content-Type: application/json\r\nContent-Length: 27\r\nX-Request-Id: a\x7fb\r\nConnection: close\r\n\r\n` +
        `{"scope":"raw","config":{}}`,
    ]);
    // Node's parser refuses a control byte in a header before any route runs: nothing stored.
    expect(raw.status).toBe(400);
    expect((await req('GET', `${configs}/raw`)).status).toBe(404);
    const kept = await req('GET', `${configs}/long`, { headers: { 'x-request-id': 'trace-1' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-1');
  });
});
