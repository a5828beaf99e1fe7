import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const path = (integration = 'my_integration') => `/api/services/zis/integrations/${integration}/configs`;

/** The vendor's 404 envelope, with a detail that says what was asked for. */
const notFound = (detail: RegExp) => ({
  errors: [{ code: '1110', detail: expect.stringMatching(detail), status: '404' }],
});

/**
 * ZIS as real clients use it: the vendor's tutorial app and ZIS apps read a 404 from the
 * list as "no configuration yet", and send JSON text under whatever Content-Type their
 * HTTP library picks.
 */
describe.each(storeKinds)('ZIS as real clients use it, on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  let token: string;
  const req = (method: string, url: string, options: Parameters<typeof call>[3] = {}) =>
    call(server.baseUrl, method, url, { token, ...options });

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store);
    tenant = await createTenant(opened.store, 'acme', ['my_integration']);
    token = tenant.tokens.my_integration!;
  });
  afterAll(async () => {
    await server.close();
    await opened.cleanup();
  });

  describe('an empty list answers 404, as the vendor documents', () => {
    it('when no config exists at all (an unknown filter)', async () => {
      const response = await req('GET', `${path()}?filter[scope]=nothing_yet`);
      expect(response.status).toBe(404);
      expect(response.json).toEqual(notFound(/No config .* matches filter\[scope\]="nothing_yet"/));
      const wildcard = await req('GET', `${path()}?filter[scope]=*`);
      expect(wildcard.status).toBe(404);
    });

    it('when configs exist but none matches the filter', async () => {
      expect((await req('POST', path(), { body: { scope: 'present', config: {} } })).status).toBe(201);
      for (const filter of ['absent', 'pre', 'PRESENT', 'x*', '*z']) {
        const response = await req('GET', `${path()}?filter[scope]=${encodeURIComponent(filter)}`);
        expect(response.status, filter).toBe(404);
        expect(response.json, filter).toEqual(notFound(/matches filter\[scope\]/));
      }
      expect((await req('GET', `${path()}?filter[scope]=pres*`)).status).toBe(200);
    });

    it("when the only matching configs are another tenant's", async () => {
      const stranger = await createTenant(opened.store, `stranger_${kind.name}`, ['my_integration']);
      const theirs = { token: stranger.tokens.my_integration };
      const response = await call(server.baseUrl, 'GET', `${path()}?filter[scope]=*`, theirs);
      expect(response.status).toBe(404);
      expect(response.json).toEqual(notFound(/matches filter/));
      // The admin of the other account sees nothing either.
      const admin = await call(server.baseUrl, 'GET', `${path()}?filter[scope]=present`, { auth: stranger.adminAuth });
      expect(admin.status).toBe(404);
    });

    it('for a page past the end, as a client paging while configs are deleted meets it', async () => {
      for (const scope of ['page_a', 'page_b', 'page_c']) {
        expect((await req('POST', path(), { body: { scope, config: {} } })).status).toBe(201);
      }
      const first = await req('GET', `${path()}?filter[scope]=page_*&page[size]=2`);
      expect(first.status).toBe(200);
      expect(first.json.meta.has_more).toBe(true);
      // Someone deletes the rest before the client asks for the next page.
      expect((await req('DELETE', `${path()}/page_c`)).status).toBe(204);
      const next = new URL(first.json.next);
      const second = await req('GET', next.pathname + next.search);
      expect(second.status).toBe(404);
      const after = first.json.configs[1].id;
      expect(second.json).toEqual(notFound(new RegExp(`filter\\[scope\\]="page_\\*" after id ${after}`)));
      // Far past the end, too.
      expect((await req('GET', `${path()}?filter[scope]=*&page[after]=999999`)).status).toBe(404);
    });
  });

  it('works with a client that treats 404 as "no configuration yet" and creates it', async () => {
    // What the vendor's tutorial app does on install: read, and create on 404.
    const loadOrCreate = async (scope: string, defaults: Record<string, unknown>) => {
      const listed = await req('GET', `${path()}?filter[scope]=${encodeURIComponent(scope)}`);
      if (listed.status === 404) {
        const created = await req('POST', path(), { body: { scope, config: defaults } });
        expect(created.status).toBe(201);
        return { created: true, config: created.json.config.config };
      }
      expect(listed.status).toBe(200);
      return { created: false, config: listed.json.configs[0].config };
    };
    expect(await loadOrCreate('install_1', { enabled: true })).toEqual({ created: true, config: { enabled: true } });
    expect(await loadOrCreate('install_1', { enabled: false })).toEqual({ created: false, config: { enabled: true } });
  });
});
