import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const path = (integration = 'my_integration') => `/api/services/zis/integrations/${integration}/configs`;

describe.each(storeKinds)('ZIS Configurations API on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  let token: string;
  const req = (method: string, url: string, options: Parameters<typeof call>[3] = {}) =>
    call(server.baseUrl, method, url, { token, ...options });

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store);
    tenant = await createTenant(opened.store, 'acme', ['my_integration', 'other_integration']);
    token = tenant.tokens.my_integration!;
  });
  afterAll(async () => {
    await server.close();
    await opened.cleanup();
  });

  // Each test starts from the same three configs.
  beforeEach(async () => {
    const list = await req('GET', `${path()}?filter[scope]=*`);
    for (const config of list.json.configs ?? []) await req('DELETE', `${path()}/${encodeURIComponent(config.scope)}`);
    for (const scope of ['my_scope', 'foo/bar', 'foo_baz']) {
      const created = await req('POST', path(), { body: { scope, config: { name: scope, n: 1 } } });
      expect(created.status).toBe(201);
    }
  });

  describe('documented statuses of every endpoint', () => {
    const cases: {
      name: string;
      method: string;
      url: string;
      body?: unknown;
      raw?: string;
      auth?: string | null;
      status: number;
    }[] = [
      // Show Configuration
      { name: 'list 200', method: 'GET', url: `${path()}?filter[scope]=my_scope`, status: 200 },
      { name: 'list 400 without filter[scope]', method: 'GET', url: path(), status: 400 },
      { name: 'list 401 without token', method: 'GET', url: `${path()}?filter[scope]=*`, auth: null, status: 401 },
      { name: 'list 404 unknown route', method: 'GET', url: '/api/services/zis/integrations', status: 404 },
      { name: 'list 404 nothing matches', method: 'GET', url: `${path()}?filter[scope]=missing`, status: 404 },
      // Create Configuration
      { name: 'create 201', method: 'POST', url: path(), body: { scope: 'new', config: { a: 1 } }, status: 201 },
      { name: 'create 400 malformed JSON', method: 'POST', url: path(), raw: '{"scope":', status: 400 },
      {
        name: 'create 401 bad token',
        method: 'POST',
        url: path(),
        body: { scope: 'x', config: {} },
        auth: 'Bearer nope',
        status: 401,
      },
      {
        name: 'create 422 existing scope',
        method: 'POST',
        url: path(),
        body: { scope: 'my_scope', config: {} },
        status: 422,
      },
      // Update Configuration
      { name: 'update 200', method: 'PUT', url: `${path()}/my_scope`, body: { config: { b: 2 } }, status: 200 },
      { name: 'update 400 malformed JSON', method: 'PUT', url: `${path()}/my_scope`, raw: '{', status: 400 },
      {
        name: 'update 401 no token',
        method: 'PUT',
        url: `${path()}/my_scope`,
        body: { config: {} },
        auth: null,
        status: 401,
      },
      { name: 'update 404 missing scope', method: 'PUT', url: `${path()}/missing`, body: { config: {} }, status: 404 },
      {
        name: 'update 422 config not an object',
        method: 'PUT',
        url: `${path()}/my_scope`,
        body: { config: 5 },
        status: 422,
      },
      // Merge Configuration
      { name: 'merge 200', method: 'PATCH', url: `${path()}/my_scope`, body: { config: { c: 3 } }, status: 200 },
      { name: 'merge 400 malformed JSON', method: 'PATCH', url: `${path()}/my_scope`, raw: 'nope', status: 400 },
      { name: 'merge 404 missing scope', method: 'PATCH', url: `${path()}/missing`, body: { config: {} }, status: 404 },
      { name: 'merge 422 config missing', method: 'PATCH', url: `${path()}/my_scope`, body: { other: 1 }, status: 422 },
      // Delete Configuration
      { name: 'delete 204', method: 'DELETE', url: `${path()}/my_scope`, status: 204 },
      { name: 'delete 400 bad scope', method: 'DELETE', url: `${path()}/a*b`, status: 400 },
      { name: 'delete 401 no token', method: 'DELETE', url: `${path()}/my_scope`, auth: null, status: 401 },
      { name: 'delete 404 missing scope', method: 'DELETE', url: `${path()}/missing`, status: 404 },
    ];

    it.each(cases)('$name', async (c) => {
      const auth = c.auth === null ? undefined : c.auth;
      const options = {
        token: c.auth === undefined ? token : undefined,
        auth,
        body: c.body,
        rawBody: c.raw,
        headers: c.raw !== undefined ? { 'content-type': 'application/json' } : undefined,
      };
      const response = await call(server.baseUrl, c.method, c.url, options);
      expect(response.status).toBe(c.status);
      if (c.status >= 400) {
        expect(response.json).toEqual({
          errors: [{ code: c.status === 400 ? '1100' : '1110', detail: expect.any(String), status: String(c.status) }],
        });
        expect(response.json.errors[0].detail.length).toBeGreaterThan(10);
      }
      if (c.status === 204) expect(response.text).toBe('');
    });
  });

  it('creates with the vendor shape, integer ids and whole-second UTC timestamps', async () => {
    const response = await req('POST', path(), { body: { scope: 'shape', config: { description: 'x', id: 999 } } });
    expect(response.status).toBe(201);
    expect(Object.keys(response.json.config)).toEqual([
      'config',
      'created_at',
      'id',
      'integration',
      'scope',
      'updated_at',
      'zendesk_account_id',
    ]);
    expect(response.json.config).toMatchObject({
      config: { description: 'x', id: 999 },
      integration: 'my_integration',
      scope: 'shape',
      zendesk_account_id: tenant.accountId,
    });
    expect(response.json.config.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number.isInteger(response.json.config.id)).toBe(true);
  });

  it('accepts "Config" as the body key, as the vendor samples send it, but not both spellings', async () => {
    const put = await req('PUT', `${path()}/my_scope`, { body: { Config: { enable_comment_sync: 'false' } } });
    expect(put.status).toBe(200);
    expect(put.json.config.config).toEqual({ enable_comment_sync: 'false' });
    const both = await req('PUT', `${path()}/my_scope`, { body: { Config: {}, config: {} } });
    expect(both.status).toBe(400);
    expect((await req('GET', `${path()}/my_scope`)).json.config.config).toEqual({ enable_comment_sync: 'false' });
  });

  it('PUT overwrites the whole config; PATCH is a JSON merge patch (RFC 7396)', async () => {
    await req('PUT', `${path()}/my_scope`, { body: { config: { a: { b: 1, c: [1, 2] }, keep: true, drop: 1 } } });
    const merged = await req('PATCH', `${path()}/my_scope`, {
      body: { config: { a: { b: null, c: [3], d: 'x' }, drop: null } },
    });
    expect(merged.status).toBe(200);
    expect(merged.json.config.config).toEqual({ a: { c: [3], d: 'x' }, keep: true });
    const replaced = await req('PUT', `${path()}/my_scope`, { body: { config: { only: 1 } } });
    expect(replaced.json.config.config).toEqual({ only: 1 });
  });

  it('lists with * anywhere, literal % and _, ordered by id, in cursor pages', async () => {
    await req('POST', path(), { body: { scope: 'foo%x', config: {} } });
    // An empty list answers 404, as the vendor's does: no scopes.
    const scopes = async (filter: string) =>
      ((await req('GET', `${path()}?filter[scope]=${encodeURIComponent(filter)}`)).json.configs ?? []).map(
        (c: { scope: string }) => c.scope,
      );
    expect(await scopes('foo*')).toEqual(['foo/bar', 'foo_baz', 'foo%x']);
    expect(await scopes('*bar')).toEqual(['foo/bar']);
    expect(await scopes('f*_*')).toEqual(['foo_baz']);
    expect(await scopes('foo%*')).toEqual(['foo%x']);
    expect(await scopes('my_scope')).toEqual(['my_scope']);
    expect(await scopes('my_scop')).toEqual([]);
    expect(await scopes('FOO*')).toEqual([]);
    expect(await scopes('*')).toEqual(['my_scope', 'foo/bar', 'foo_baz', 'foo%x']);

    const first = await req('GET', `${path()}?filter[scope]=*&page[size]=2`);
    expect(first.json.meta.has_more).toBe(true);
    expect(first.json.links.next).toBe(first.json.next);
    expect(first.json.next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/services/);
    const nextUrl = new URL(first.json.next);
    const second = await req('GET', nextUrl.pathname + nextUrl.search);
    expect(second.json.configs.map((c: { scope: string }) => c.scope)).toEqual(['foo_baz', 'foo%x']);
    expect(second.json.meta.has_more).toBe(false);
    expect(second.json.links.next).toBe('');
    expect(second.json.next).toBeNull();
  });

  it('treats empty page[after]= and page[size]= as absent, as the vendor samples send them', async () => {
    const response = await req('GET', `${path()}?filter[scope]=*&page[after]=&page[size]=`);
    expect(response.status).toBe(200);
    expect(response.json.configs).toHaveLength(3);
  });

  it('takes scopes with / as %2F in paths', async () => {
    const got = await req('GET', `${path()}/foo%2Fbar`);
    expect(got.status).toBe(200);
    expect(got.json.config.scope).toBe('foo/bar');
    expect((await req('DELETE', `${path()}/foo%2Fbar`)).status).toBe(204);
  });

  it('serves ETags: If-None-Match gives 304, a stale If-Match gives 412 and changes nothing', async () => {
    const got = await req('GET', `${path()}/my_scope`);
    const etag = got.headers.get('etag')!;
    expect(etag).toMatch(/^"\d+-\d+"$/);
    expect((await req('GET', `${path()}/my_scope`, { headers: { 'if-none-match': etag } })).status).toBe(304);

    const patched = await req('PATCH', `${path()}/my_scope`, {
      body: { config: { v: 2 } },
      headers: { 'if-match': etag },
    });
    expect(patched.status).toBe(200);
    const newTag = patched.headers.get('etag')!;
    expect(newTag).not.toBe(etag);

    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const stale = await req(method, `${path()}/my_scope`, {
        body: method === 'DELETE' ? undefined : { config: { lost: true } },
        headers: { 'if-match': etag },
      });
      expect(stale.status).toBe(412);
    }
    expect((await req('GET', `${path()}/my_scope`)).json.config.config).toEqual({ name: 'my_scope', n: 1, v: 2 });
    expect((await req('DELETE', `${path()}/my_scope`, { headers: { 'if-match': newTag } })).status).toBe(204);
  });

  it('applies 50 concurrent PATCHes that each add a different key without losing one', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        req('PATCH', `${path()}/my_scope`, { body: { config: { [`key${i}`]: i } } }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const config = (await req('GET', `${path()}/my_scope`)).json.config.config;
    for (let i = 0; i < 50; i++) expect(config[`key${i}`]).toBe(i);
  });

  it('refuses a token on another integration, and hides other accounts (404)', async () => {
    const other = await req('GET', `${path('other_integration')}?filter[scope]=*`);
    expect(other.status).toBe(403);
    expect(other.json.errors[0].detail).toContain('other_integration');

    const stranger = await createTenant(opened.store, `stranger${Date.now() % 100000}`, ['my_integration']);
    const theirs = { token: stranger.tokens.my_integration };
    expect((await call(server.baseUrl, 'GET', `${path()}/my_scope`, theirs)).status).toBe(404);
    expect((await call(server.baseUrl, 'GET', `${path()}?filter[scope]=*`, theirs)).status).toBe(404);
    expect(
      (await call(server.baseUrl, 'PATCH', `${path()}/my_scope`, { ...theirs, body: { config: { x: 1 } } })).status,
    ).toBe(404);
    expect((await call(server.baseUrl, 'DELETE', `${path()}/my_scope`, theirs)).status).toBe(404);
    expect((await req('GET', `${path()}/my_scope`)).json.config.config).toEqual({ name: 'my_scope', n: 1 });
  });

  it('lets the account admin use basic auth {email}/token:{api_token}', async () => {
    const admin = { auth: tenant.adminAuth };
    const response = await call(server.baseUrl, 'GET', `${path()}?filter[scope]=*`, admin);
    expect(response.status).toBe(200);
    expect(response.json.configs).toHaveLength(3);
    // Every integration of the account: an empty one answers the empty list's 404, not 403.
    const other = await call(server.baseUrl, 'GET', `${path('other_integration')}?filter[scope]=*`, admin);
    expect(other.status).toBe(404);
    expect(other.json.errors[0].detail).toMatch(/No config/);
    const created = await call(server.baseUrl, 'POST', path('other_integration'), {
      ...admin,
      body: { scope: 'by_admin', config: {} },
    });
    expect(created.status).toBe(201);
    expect((await call(server.baseUrl, 'DELETE', `${path('other_integration')}/by_admin`, admin)).status).toBe(204);
    const wrongEmail = 'Basic ' + Buffer.from(`someone@else/token:${tenant.apiToken}`).toString('base64');
    expect((await call(server.baseUrl, 'GET', `${path()}?filter[scope]=*`, { auth: wrongEmail })).status).toBe(401);
  });
});
