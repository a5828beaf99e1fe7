import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret, hashSecret } from '../../src/security/secrets.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

// Inputs that once answered 500: a body nested deeper than any walk of it can go, and ids
// larger than a bigint column (PostgreSQL errors where SQLite just finds nothing).

describe.each(storeKinds)('no 500 for hostile shapes, on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store);
    tenant = await createTenant(opened.store, 'acme', ['crm']);
  });
  afterAll(async () => {
    await server.close();
    await opened.cleanup();
  });

  const deep = '['.repeat(200_000) + ']'.repeat(200_000);

  it('answers a body nested 200,000 deep with 422 on the ZIS API', async () => {
    const response = await call(server.baseUrl, 'POST', '/api/services/zis/integrations/crm/configs', {
      token: tenant.tokens.crm,
      rawBody: `{"scope":"s","config":{"a":${deep}}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(422);
    expect(response.json.errors[0].detail).toContain('nested more than');
  });

  it('answers it with 422 RecordInvalid on the push API (with a valid push token: it is checked first)', async () => {
    const token = generateSecret('sbpt_');
    const integration = await opened.store.channels.createIntegration({
      accountId: tenant.accountId,
      remoteId: 'com.example.deep',
      name: 'Deep',
      manifestUrl: 'http://127.0.0.1:9/manifest.json',
      manifestJson: JSON.stringify({
        name: 'Deep',
        id: 'com.example.deep',
        push_client_id: 'deep',
        urls: { admin_ui: { href: 'http://127.0.0.1:9/admin_ui' } },
      }),
      nowMs: Date.now(),
    });
    await opened.store.channels.createInstance({
      accountId: tenant.accountId,
      integrationId: integration.id,
      name: 'Deep',
      metadata: '',
      state: '',
      instancePushId: 'deep-push-id',
      pushTokenHash: hashSecret(token),
      nowMs: Date.now(),
    });
    const response = await call(server.baseUrl, 'POST', '/api/v2/any_channel/push', {
      token,
      rawBody: `{"instance_push_id":"deep-push-id","external_resources":${deep}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(422);
    expect(response.json).toMatchObject({ error: 'RecordInvalid' });
  });

  it.each([
    '/api/switchboard/v1/instances/100000000000000000000',
    '/api/switchboard/v1/instances/1e21',
    '/api/switchboard/v1/instances/1/replies/100000000000000000000',
    '/api/switchboard/v1/instances/100000000000000000000/threads/1/replies',
    '/api/switchboard/v1/channel_integrations/100000000000000000000/events',
    '/api/switchboard/v1/instances?integration_id=100000000000000000000',
    '/api/services/zis/integrations/crm/configs?filter[scope]=*&page[after]=100000000000000000000',
  ])('answers GET %s with 400, not 500', async (path) => {
    const response = await call(server.baseUrl, 'GET', path, { auth: tenant.adminAuth });
    expect(response.status).toBe(400);
    expect(response.json.errors[0]).toMatchObject({ status: '400' });
  });
});
