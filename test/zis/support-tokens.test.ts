import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const configs = (integration: string) => `/api/services/zis/integrations/${integration}/configs`;

/** The Support API's error body, as the vendor answers on /api/v2/. */
const supportError = (error: string, description: RegExp = /.{10,}/) => ({
  error,
  description: expect.stringMatching(description),
});

describe.each(storeKinds)("the vendor's token flow on $name", (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let acme: Tenant;

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store);
    acme = await createTenant(opened.store, 'acme', ['my_integration']);
  });
  afterAll(async () => {
    await server.close();
    await opened.cleanup();
  });

  describe('errors on /api/v2/ use the Support API shape', () => {
    it('answers an unknown endpoint with InvalidEndpoint', async () => {
      const response = await call(server.baseUrl, 'GET', '/api/v2/nothing.json', { auth: acme.adminAuth });
      expect(response.status).toBe(404);
      expect(response.json).toEqual(supportError('InvalidEndpoint', /No route GET \/api\/v2\/nothing\.json/));
    });

    it('keeps the ZIS envelope on ZIS paths', async () => {
      const response = await call(server.baseUrl, 'GET', '/api/services/zis/nothing', { auth: acme.adminAuth });
      expect(response.status).toBe(404);
      expect(response.json).toEqual({ errors: [{ code: '1110', detail: expect.any(String), status: '404' }] });
      const unauthenticated = await call(server.baseUrl, 'GET', `${configs('my_integration')}?filter[scope]=*`);
      expect(unauthenticated.json.errors[0].status).toBe('401');
    });
  });
});
