import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/security/secrets.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

describe.each(storeKinds)('registry, OAuth tokens and tenancy on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let acme: Tenant;
  let globex: Tenant;

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store, { settings: { baseDomain: 'switchboard.test' } });
    acme = await createTenant(opened.store, 'acme', []);
    globex = await createTenant(opened.store, 'globex', ['shared_name']);
  });
  afterAll(async () => {
    await server.close();
    await opened.cleanup();
  });

  it('registers an integration, issues a bearer token for its client, and the token works', async () => {
    const registered = await call(server.baseUrl, 'POST', '/api/services/zis/registry/acme_sync', {
      auth: acme.adminAuth,
    });
    expect(registered.status).toBe(200);
    const client = registered.json.zendesk_oauth_client;
    expect(client.identifier).toMatch(/^zis_/);
    expect(typeof client.secret).toBe('string');

    // Form-encoded, as OAuth clients send it.
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.identifier,
      client_secret: client.secret,
    });
    const tokenResponse = await fetch(`${server.baseUrl}/oauth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    expect(tokenResponse.status).toBe(200);
    const token = (await tokenResponse.json()) as { access_token: string; token_type: string; scope: string };
    expect(token.token_type).toBe('bearer');

    const created = await call(server.baseUrl, 'POST', '/api/services/zis/integrations/acme_sync/configs', {
      token: token.access_token,
      body: { scope: 's', config: { ok: true } },
    });
    expect(created.status).toBe(201);
    expect(created.json.config.zendesk_account_id).toBe(acme.accountId);

    // JSON works too.
    const json = await call(server.baseUrl, 'POST', '/oauth/tokens', {
      body: { grant_type: 'client_credentials', client_id: client.identifier, client_secret: client.secret },
    });
    expect(json.status).toBe(200);
  });

  it('stores tokens and secrets only as hashes', async () => {
    const registered = await call(server.baseUrl, 'POST', '/api/services/zis/registry/hashed', {
      auth: acme.adminAuth,
    });
    const client = registered.json.zendesk_oauth_client;
    const integration = await opened.store.findIntegrationByClientIdentifier(client.identifier);
    expect(integration!.clientSecretHash).toBe(hashSecret(client.secret));
    expect(JSON.stringify(integration)).not.toContain(client.secret);
    const issued = await call(server.baseUrl, 'POST', '/oauth/tokens', {
      body: { grant_type: 'client_credentials', client_id: client.identifier, client_secret: client.secret },
    });
    expect(await opened.store.findAccessToken(issued.json.access_token)).toBeUndefined();
    expect(await opened.store.findAccessToken(hashSecret(issued.json.access_token))).toBeDefined();
  });

  it('refuses wrong client secrets, other grant types and non-admin registration', async () => {
    const registered = await call(server.baseUrl, 'POST', '/api/services/zis/registry/strict', {
      auth: acme.adminAuth,
    });
    const { identifier } = registered.json.zendesk_oauth_client;
    const wrong = await call(server.baseUrl, 'POST', '/oauth/tokens', {
      body: { grant_type: 'client_credentials', client_id: identifier, client_secret: 'wrong' },
    });
    expect(wrong.status).toBe(401);
    const grant = await call(server.baseUrl, 'POST', '/oauth/tokens', { body: { grant_type: 'password' } });
    expect(grant.status).toBe(400);
    expect(grant.json.error).toBe('unsupported_grant_type');
    expect(grant.json.error_description).toContain('client_credentials');
    const missing = await call(server.baseUrl, 'POST', '/oauth/tokens', { body: { grant_type: 'client_credentials' } });
    expect(missing.status).toBe(400);

    const asToken = await call(server.baseUrl, 'POST', '/api/services/zis/registry/again', {
      token: globex.tokens.shared_name,
    });
    expect(asToken.status).toBe(401);
    const twice = await call(server.baseUrl, 'POST', '/api/services/zis/registry/strict', { auth: acme.adminAuth });
    expect(twice.status).toBe(422);
    const badName = await call(server.baseUrl, 'POST', '/api/services/zis/registry/Not%20Valid', {
      auth: acme.adminAuth,
    });
    expect(badName.status).toBe(400);
  });

  it('lets two accounts use the same integration name without seeing each other', async () => {
    await call(server.baseUrl, 'POST', '/api/services/zis/registry/shared_name', { auth: acme.adminAuth });
    const path = '/api/services/zis/integrations/shared_name/configs';
    await call(server.baseUrl, 'POST', path, {
      token: globex.tokens.shared_name,
      body: { scope: 'secret', config: { globex: 1 } },
    });
    const acmeView = await call(server.baseUrl, 'GET', `${path}/secret`, { auth: acme.adminAuth });
    expect(acmeView.status).toBe(404);
    const acmeList = await call(server.baseUrl, 'GET', `${path}?filter[scope]=*`, { auth: acme.adminAuth });
    expect(acmeList.status).toBe(404);
    expect(acmeList.json.configs).toBeUndefined();
  });

  it('answers 404 when the Host names another account than the credentials', async () => {
    const path = '/api/services/zis/integrations/shared_name/configs?filter[scope]=*';
    const url = new URL(server.baseUrl);
    const get = (host: string) =>
      new Promise<number>((resolve, reject) => {
        // fetch does not let a caller set Host; node:http does.
        import('node:http').then(({ request }) => {
          const req = request(
            {
              host: url.hostname,
              port: url.port,
              path,
              headers: { host, authorization: `Bearer ${globex.tokens.shared_name}` },
            },
            (res) => {
              res.resume();
              resolve(res.statusCode!);
            },
          );
          req.on('error', reject);
          req.end();
        });
      });
    expect(await get('globex.switchboard.test')).toBe(200);
    expect(await get('acme.switchboard.test')).toBe(404);
    expect(await get('nobody.switchboard.test')).toBe(404);
    expect(await get('localhost')).toBe(200);
  });
});
