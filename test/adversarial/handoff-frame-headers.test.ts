import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

/**
 * Finding 5 of issue 18, hand-off side: the admin-UI hand-off pages had no frame-ancestors /
 * X-Frame-Options, so another site could frame them (clickjacking). The console's own
 * pages refuse every frame; these are framed by the console only.
 */
describe.each(storeKinds)("the admin-UI hand-off pages refuse other sites' frames, on $name", (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let app: FastifyInstance;
  let tenant: Tenant;
  let integrationId: number;

  beforeAll(async () => {
    opened = await kind.open();
    const defaults = loadSettings({});
    server = await startServer(opened.store, { settings: { pull: { ...defaults.pull, scheduler: false } } });
    app = server.app;
    tenant = await createTenant(opened.store, 'acme', []);
    const manifest = { name: 'Fake', id: 'com.example.fake', urls: { admin_ui: { href: 'https://fake.example/ui' } } };
    integrationId = (
      await opened.store.channels.createIntegration({
        accountId: tenant.accountId,
        remoteId: manifest.id,
        name: manifest.name,
        manifestUrl: 'https://fake.example/manifest.json',
        manifestJson: JSON.stringify(manifest),
        nowMs: Date.now(),
      })
    ).id;
  });
  afterAll(async () => {
    await server.close();
    await opened.cleanup();
  });

  const expectFramedBySelfOnly = (headers: Record<string, unknown>) => {
    expect(headers['content-security-policy']).toBe("frame-ancestors 'self'");
    expect(headers['x-frame-options']).toBe('SAMEORIGIN');
  };

  it('the hand-off page', async () => {
    const response = await app.inject({
      method: 'POST',
      url: `/console/channel_integrations/${integrationId}/admin_ui`,
      headers: { authorization: tenant.adminAuth },
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('https://fake.example/ui');
    expectFramedBySelfOnly(response.headers);
  });

  it('the return_url pages: invalid settings, and an unknown or used link', async () => {
    const post = (payload: string) =>
      app.inject({
        method: 'POST',
        url: '/admin-ui/return/not-a-real-token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload,
      });
    const invalid = await post('metadata=x');
    expect(invalid.statusCode).toBe(422);
    expectFramedBySelfOnly(invalid.headers);
    const unknown = await post('name=Inbox&metadata=x');
    expect(unknown.statusCode).toBe(404);
    expectFramedBySelfOnly(unknown.headers);
  });
});
