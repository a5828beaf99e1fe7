import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerIntegration } from '../../src/accounts/provision.js';
import { systemClock } from '../../src/clock.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

// Issue 18, finding 1: the client-credentials grant echoed the scope it was asked for and
// issued read and write regardless. Now it issues exactly what is asked, refuses unknown
// scopes, and every error of the token endpoint is RFC 6749 §5.2's body.

const form = (fields: Record<string, string>) => ({
  rawBody: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

describe.each(storeKinds)('OAuth scopes and RFC 6749 errors, on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  let client: { id: string; secret: string };
  const grant = (fields: Record<string, string>) =>
    call(server.baseUrl, 'POST', '/oauth/tokens', form({ grant_type: 'client_credentials', ...fields }));

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store);
    tenant = await createTenant(opened.store, 'acme', []);
    const registered = await registerIntegration(opened.store, systemClock, tenant.accountId, 'crm');
    if (registered === 'exists') throw new Error('exists');
    client = { id: registered.integration.clientIdentifier, secret: registered.clientSecret };
  });
  afterAll(async () => {
    await server.close();
    await opened.cleanup();
  });

  it('issues a read-only token when asked for scope=read, and it cannot write', async () => {
    const issued = await grant({ client_id: client.id, client_secret: client.secret, scope: 'read' });
    expect(issued.status).toBe(200);
    expect(issued.json.scope).toBe('read');
    const token = issued.json.access_token as string;
    const path = '/api/services/zis/integrations/crm/configs';
    const write = await call(server.baseUrl, 'POST', path, { token, body: { scope: 's', config: { a: 1 } } });
    expect(write.status).toBe(403);
    const read = await call(server.baseUrl, 'GET', `${path}?filter[scope]=*`, { token });
    expect(read.status).toBe(404); // allowed: nothing stored yet
    const listed = await call(server.baseUrl, 'GET', '/api/v2/oauth/tokens.json', { auth: tenant.adminAuth });
    expect(listed.json.tokens.at(-1).scopes).toEqual(['read']);
  });

  it('issues read and write when no scope is asked for, and states it', async () => {
    const issued = await grant({ client_id: client.id, client_secret: client.secret });
    expect(issued.json.scope).toBe('read write');
    const issuedBoth = await grant({ client_id: client.id, client_secret: client.secret, scope: 'write  read' });
    expect(issuedBoth.json.scope).toBe('read write');
    const writeOnly = await grant({ client_id: client.id, client_secret: client.secret, scope: 'write' });
    expect(writeOnly.json.scope).toBe('write');
  });

  it.each(['nonsense', 'read write admin', 'read,write'])('refuses scope=%j with invalid_scope', async (scope) => {
    const before = await call(server.baseUrl, 'GET', '/api/v2/oauth/tokens.json', { auth: tenant.adminAuth });
    const refused = await grant({ client_id: client.id, client_secret: client.secret, scope });
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({
      error: 'invalid_scope',
      error_description: expect.stringContaining('Unknown scope'),
    });
    const after = await call(server.baseUrl, 'GET', '/api/v2/oauth/tokens.json', { auth: tenant.adminAuth });
    expect(after.json.tokens).toHaveLength(before.json.tokens.length);
  });

  it('answers every token-endpoint error in RFC 6749 §5.2 form with its status', async () => {
    const cases: [Record<string, string>, number, string][] = [
      [{ client_id: client.id, client_secret: 'wrong' }, 401, 'invalid_client'],
      [{ client_id: 'zis_nobody_1', client_secret: 'x' }, 401, 'invalid_client'],
      [{ client_id: client.id }, 400, 'invalid_request'],
      [{}, 400, 'invalid_request'],
    ];
    for (const [fields, status, error] of cases) {
      const answer = await grant(fields);
      expect(answer.status, JSON.stringify(fields)).toBe(status);
      expect(answer.json.error).toBe(error);
      expect(typeof answer.json.error_description).toBe('string');
      expect(answer.json.errors).toBeUndefined();
      expect(answer.headers.get('cache-control')).toBe('no-store');
    }
    const password = await call(server.baseUrl, 'POST', '/oauth/tokens', form({ grant_type: 'password' }));
    expect(password.status).toBe(400);
    expect(password.json.error).toBe('unsupported_grant_type');
    const none = await call(server.baseUrl, 'POST', '/oauth/tokens', form({ client_id: client.id }));
    expect(none.json.error).toBe('invalid_request');
    const malformed = await call(server.baseUrl, 'POST', '/oauth/tokens', {
      rawBody: '{"grant_type":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error).toBe('invalid_request');
    const basic = 'Basic ' + Buffer.from(`${client.id}:wrong`).toString('base64');
    const viaBasic = await call(server.baseUrl, 'POST', '/oauth/tokens', {
      ...form({ grant_type: 'client_credentials' }),
      auth: basic,
    });
    expect(viaBasic.status).toBe(401);
    expect(viaBasic.json.error).toBe('invalid_client');
    expect(viaBasic.headers.get('www-authenticate')).toMatch(/^Basic /);
  });
});
