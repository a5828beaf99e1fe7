import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenApiDocument } from '../helpers/openapi.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

/** Every documented operation that takes only the admin's basic auth, with its path's ids filled in. */
function adminOnlyOperations(doc: OpenApiDocument): { method: string; path: string }[] {
  const found: { method: string; path: string }[] = [];
  for (const [template, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const security = JSON.stringify(operation.security ?? []);
      if (security !== JSON.stringify([{ adminBasicAuth: [] }])) continue;
      found.push({ method: method.toUpperCase(), path: template.replace(/\{[^}]+\}/g, '1') });
    }
  }
  return found;
}

/**
 * One rule for every admin route, the channel host's and the ZIS registry's alike: a valid
 * ZIS bearer token is authenticated, so it answers 403 (not 401), in the same envelope.
 */
describe.each(storeKinds)('a bearer token on admin routes on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store);
    tenant = await createTenant(opened.store, 'acme', ['sync']);
    doc = (await call(server.baseUrl, 'GET', '/openapi.json')).json as OpenApiDocument;
  });
  afterAll(async () => {
    await server?.close();
    await opened?.cleanup();
  });

  it('answers 403 on every channel admin route, before the body is read, changing nothing', async () => {
    const channelRoutes = adminOnlyOperations(doc).filter(({ path }) =>
      /^\/api\/switchboard\/v1\/(channel_integrations|instances)/.test(path),
    );
    expect(channelRoutes.length).toBeGreaterThan(15);
    for (const { method, path } of channelRoutes) {
      const body = method === 'GET' || method === 'DELETE' ? undefined : { manifest_url: 'http://127.0.0.1:1/m' };
      const answered = await call(server.baseUrl, method, path, { token: tenant.tokens.sync, body });
      expect(answered.status, `${method} ${path}`).toBe(403);
      expect(answered.json, `${method} ${path}`).toEqual({
        errors: [
          {
            code: '1110',
            status: '403',
            detail:
              'Channel management takes the account admin\'s credentials: basic auth "{email}/token:{api_token}".',
          },
        ],
      });
    }
    const listed = await call(server.baseUrl, 'GET', '/api/switchboard/v1/channel_integrations', {
      auth: tenant.adminAuth,
    });
    expect(listed.json.integrations).toEqual([]);
  });

  it('answers as the ZIS admin routes do', async () => {
    const zis = await call(server.baseUrl, 'GET', '/api/switchboard/v1/admin_tokens', { token: tenant.tokens.sync });
    const channel = await call(server.baseUrl, 'GET', '/api/switchboard/v1/channel_integrations', {
      token: tenant.tokens.sync,
    });
    expect([zis.status, channel.status]).toEqual([403, 403]);
    const shape = (detail: string) => detail.replace(/^.* takes /, '… takes ');
    expect(shape(channel.json.errors[0].detail)).toBe(shape(zis.json.errors[0].detail));
    // An unknown bearer token is still 401 on both.
    for (const path of ['/api/switchboard/v1/admin_tokens', '/api/switchboard/v1/channel_integrations']) {
      expect((await call(server.baseUrl, 'GET', path, { token: 'sbzt_unknown' })).status).toBe(401);
    }
  });
});
