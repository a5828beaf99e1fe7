import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

// The vendor's OAuth clients API over the integrations' clients, and the registry's create
// answer in the vendor's shape (200, description echoed).

describe.each(storeKinds)('OAuth clients on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let acme: Tenant;
  let globex: Tenant;
  let clientId: number;

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store);
    acme = await createTenant(opened.store, 'acme', []);
    globex = await createTenant(opened.store, 'globex', ['theirs']);
  });
  afterAll(async () => {
    await server.close();
    await opened.cleanup();
  });

  it('registers with 200 and echoes the description, as the vendor does', async () => {
    const registered = await call(server.baseUrl, 'POST', '/api/services/zis/registry/crm', {
      auth: acme.adminAuth,
      body: { description: 'example integration' },
    });
    expect(registered.status).toBe(200);
    expect(registered.json.description).toBe('example integration');
    const client = registered.json.zendesk_oauth_client;
    expect(client.identifier).toBe(`zis_crm_${acme.accountId}`);
    expect(typeof client.secret).toBe('string');
    clientId = client.id;
    const listed = await call(server.baseUrl, 'GET', '/api/services/zis/registry/integrations', {
      auth: acme.adminAuth,
    });
    expect(listed.json.integrations).toEqual([
      {
        name: 'crm',
        description: 'example integration',
        zendesk_oauth_client: { id: clientId, identifier: client.identifier },
      },
    ]);
    const bodiless = await call(server.baseUrl, 'POST', '/api/services/zis/registry/bare', { auth: acme.adminAuth });
    expect(bodiless.status).toBe(200);
    expect(bodiless.json.description).toBe('');
  });

  it('lists and shows clients in the vendor shape, never a secret', async () => {
    for (const path of ['/api/v2/oauth/clients', '/api/v2/oauth/clients.json']) {
      const listed = await call(server.baseUrl, 'GET', path, { auth: acme.adminAuth });
      expect(listed.status).toBe(200);
      expect(listed.json.count).toBe(2);
      expect(listed.json.clients[0]).toMatchObject({
        id: clientId,
        url: `${server.baseUrl}/api/v2/oauth/clients/${clientId}.json`,
        name: 'crm',
        identifier: `zis_crm_${acme.accountId}`,
        description: 'example integration',
        redirect_uri: [],
        kind: 'confidential',
        global: false,
      });
      expect(listed.json.clients[0].created_at).toMatch(/Z$/);
      expect(listed.text).not.toContain('secret');
    }
    const shown = await call(server.baseUrl, 'GET', `/api/v2/oauth/clients/${clientId}.json`, { auth: acme.adminAuth });
    expect(shown.json.client.identifier).toBe(`zis_crm_${acme.accountId}`);
  });

  it('sets redirect URIs and description with PUT, with and without .json', async () => {
    const put = await call(server.baseUrl, 'PUT', `/api/v2/oauth/clients/${clientId}.json`, {
      auth: acme.adminAuth,
      body: { client: { redirect_uri: ['https://app.example/callback', 'http://127.0.0.1:8765/cb'] } },
    });
    expect(put.status).toBe(200);
    expect(put.json.client.redirect_uri).toEqual(['https://app.example/callback', 'http://127.0.0.1:8765/cb']);
    expect(put.json.client.description).toBe('example integration');
    const described = await call(server.baseUrl, 'PUT', `/api/v2/oauth/clients/${clientId}`, {
      auth: acme.adminAuth,
      body: { client: { description: 'CRM sync', name: 'crm' } },
    });
    expect(described.json.client).toMatchObject({
      description: 'CRM sync',
      redirect_uri: ['https://app.example/callback', 'http://127.0.0.1:8765/cb'],
    });
  });

  it('refuses bad redirect URIs, renames and other accounts, changing nothing', async () => {
    const path = `/api/v2/oauth/clients/${clientId}.json`;
    for (const uri of ['http://app.example/cb', 'https://app.example/cb#frag', 'not a url', 'javascript:alert(1)']) {
      const refused = await call(server.baseUrl, 'PUT', path, {
        auth: acme.adminAuth,
        body: { client: { redirect_uri: [uri] } },
      });
      expect(refused.status, uri).toBe(422);
      expect(refused.json.error).toBe('RecordInvalid');
      expect(refused.json.description).toContain('redirect_uri');
    }
    const renamed = await call(server.baseUrl, 'PUT', path, {
      auth: acme.adminAuth,
      body: { client: { name: 'other' } },
    });
    expect(renamed.status).toBe(422);
    const foreign = await call(server.baseUrl, 'PUT', path, {
      auth: globex.adminAuth,
      body: { client: { description: 'mine now' } },
    });
    expect(foreign.status).toBe(404);
    expect((await call(server.baseUrl, 'GET', path, { auth: globex.adminAuth })).status).toBe(404);
    const asToken = await call(server.baseUrl, 'GET', '/api/v2/oauth/clients', { token: globex.tokens.theirs });
    expect(asToken.status).toBe(403);
    const shown = await call(server.baseUrl, 'GET', path, { auth: acme.adminAuth });
    expect(shown.json.client.description).toBe('CRM sync');
    expect(shown.json.client.redirect_uri).toHaveLength(2);
  });

  it('in development, lets a loopback redirect_uri pass unregistered on the consent page, and redirects request errors', async () => {
    const registered = await call(server.baseUrl, 'POST', '/api/services/zis/registry/local_tool', {
      auth: acme.adminAuth,
    });
    const clientIdentifier = registered.json.zendesk_oauth_client.identifier as string;
    const consent = (fields: Record<string, string>) =>
      fetch(
        `${server.baseUrl}/console/oauth/authorizations?${new URLSearchParams({ client_id: clientIdentifier, ...fields }).toString()}`,
        { headers: { authorization: acme.adminAuth }, redirect: 'manual' },
      );
    const loopback = await consent({ response_type: 'code', redirect_uri: 'http://127.0.0.1:9/cb', scope: 'read' });
    expect(loopback.status).toBe(200);
    expect(loopback.headers.get('content-security-policy')).toContain("form-action 'self' http://127.0.0.1:9");
    expect(await loopback.text()).toContain('read its configs only');
    const remote = await consent({ response_type: 'code', redirect_uri: 'https://elsewhere.example/cb' });
    expect(remote.status).toBe(400);
    expect(remote.headers.get('location')).toBeNull();
    const badScope = await consent({
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:9/cb',
      scope: 'admin',
      state: 's',
    });
    expect(badScope.status).toBe(303);
    const location = new URL(badScope.headers.get('location')!);
    expect(location.origin + location.pathname).toBe('http://127.0.0.1:9/cb');
    expect(location.searchParams.get('error')).toBe('invalid_scope');
    expect(location.searchParams.get('state')).toBe('s');
    const implicit = await consent({ response_type: 'token', redirect_uri: 'http://127.0.0.1:9/cb' });
    expect(new URL(implicit.headers.get('location')!).searchParams.get('error')).toBe('unsupported_response_type');
    const foreign = await fetch(
      `${server.baseUrl}/console/oauth/authorizations?${new URLSearchParams({ client_id: clientIdentifier, response_type: 'code', redirect_uri: 'http://127.0.0.1:9/cb' }).toString()}`,
      { headers: { authorization: globex.adminAuth }, redirect: 'manual' },
    );
    expect(foreign.status).toBe(404);
  });
});
