import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { issueScopedAccessToken } from '../../../src/accounts/provision.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../../helpers/server.js';
import { storeKinds, type OpenedStore } from '../../helpers/stores.js';

const configs = '/api/services/zis/integrations/crm/configs';
const history = (scope: string, integration = 'crm') =>
  `/api/switchboard/v1/integrations/${integration}/configs/${encodeURIComponent(scope)}`;

describe.each(storeKinds)('Config history API on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  let token: string;
  const req = (method: string, url: string, options: Parameters<typeof call>[3] = {}) =>
    call(server.baseUrl, method, url, { token, ...options });
  const revisionsOf = async (scope: string) => (await req('GET', `${history(scope)}/revisions`)).json?.revisions ?? [];

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store);
    tenant = await createTenant(opened.store, 'acme', ['crm', 'erp']);
    token = tenant.tokens.crm!;
  });
  afterAll(async () => {
    await server.close();
    await opened.cleanup();
  });

  it('records every write with who made it, newest first', async () => {
    expect((await req('POST', configs, { body: { scope: 'app/one', config: { a: 1 } } })).status).toBe(201);
    const put = await req('PUT', `${configs}/app%2Fone`, {
      body: { config: { a: 2 } },
      headers: { 'x-request-id': 'req-put-1' },
    });
    expect(put.status).toBe(200);
    const merged = await req('PATCH', `${configs}/app%2Fone`, { body: { config: { b: 3 } }, auth: tenant.adminAuth });
    expect(merged.status).toBe(200);

    const list = await req('GET', `${history('app/one')}/revisions`);
    expect(list.status).toBe(200);
    expect(list.json.meta).toEqual({ has_more: false });
    expect(list.json.links).toEqual({ next: null });
    const [merge, replace, create] = list.json.revisions;
    expect(merge).toEqual({
      revision: 3,
      integration: 'crm',
      scope: 'app/one',
      operation: 'merge',
      config: { a: 2, b: 3 },
      etag: merged.headers.get('etag'),
      changed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      actor: { type: 'admin', id: tenant.adminEmail, request_id: merged.headers.get('x-request-id') },
    });
    expect(replace).toMatchObject({
      revision: 2,
      operation: 'replace',
      config: { a: 2 },
      etag: put.headers.get('etag'),
      actor: { type: 'token', id: expect.stringMatching(/^\d+$/), request_id: 'req-put-1' },
    });
    expect(create).toMatchObject({ revision: 1, operation: 'create', config: { a: 1 } });
  });

  it('records nothing for a refused write (412, 422, 404)', async () => {
    const before = await revisionsOf('app/one');
    expect(
      (await req('PUT', `${configs}/app%2Fone`, { body: { config: {} }, headers: { 'if-match': '"1-1"' } })).status,
    ).toBe(412);
    expect((await req('POST', configs, { body: { scope: 'app/one', config: {} } })).status).toBe(422);
    expect((await req('PATCH', `${configs}/app%2Fone`, { body: { config: 'not an object' } })).status).toBe(422);
    expect((await req('DELETE', `${configs}/missing`)).status).toBe(404);
    expect((await req('DELETE', `${configs}/app%2Fone`, { headers: { 'if-match': '"1-1"' } })).status).toBe(412);
    expect(await revisionsOf('app/one')).toEqual(before);
    expect((await req('GET', `${history('missing')}/revisions`)).status).toBe(404);
  });

  it('pages with page[after] and links.next, and shows one revision', async () => {
    for (let i = 0; i < 4; i++) await req('PATCH', `${configs}/app%2Fone`, { body: { config: { i } } });
    const all = (await revisionsOf('app/one')).map((r: { revision: number }) => r.revision);
    expect(all).toEqual([7, 6, 5, 4, 3, 2, 1]);
    const seen: number[] = [];
    let url: string | null = `${server.baseUrl}${history('app/one')}/revisions?page[size]=3`;
    while (url) {
      const page = await call(url, 'GET', '', { token });
      expect(page.status).toBe(200);
      seen.push(...page.json.revisions.map((r: { revision: number }) => r.revision));
      expect(page.json.meta.has_more).toBe(page.json.links.next !== null);
      url = page.json.links.next;
    }
    expect(seen).toEqual(all);
    const one = await req('GET', `${history('app/one')}/revisions/2`);
    expect(one.status).toBe(200);
    expect(one.json.revision).toMatchObject({ revision: 2, config: { a: 2 } });
    const gone = await req('GET', `${history('app/one')}/revisions/99`);
    expect(gone.status).toBe(404);
    expect(gone.json.errors[0].detail).toContain('no revision 99');
    expect((await req('GET', `${history('never')}/revisions/1`)).status).toBe(404);
  });

  it('restores a value as a new change, honouring If-Match', async () => {
    const current = await req('GET', `${configs}/app%2Fone`);
    const stale = await req('POST', `${history('app/one')}/restore`, {
      body: { revision: 2 },
      headers: { 'if-match': '"1-1"' },
    });
    expect(stale.status).toBe(412);
    const restored = await req('POST', `${history('app/one')}/restore`, {
      body: { revision: 2 },
      headers: { 'if-match': current.headers.get('etag')! },
    });
    expect(restored.status).toBe(200);
    expect(restored.json.config.config).toEqual({ a: 2 });
    expect(restored.headers.get('etag')).toBe(`"${current.json.config.id}-8"`);
    const [latest] = await revisionsOf('app/one');
    expect(latest).toMatchObject({
      revision: 8,
      operation: 'restore',
      config: { a: 2 },
      etag: restored.headers.get('etag'),
    });
    expect((await req('GET', `${configs}/app%2Fone`)).json.config.config).toEqual({ a: 2 });
  });

  it('refuses to restore a delete, and recreates a deleted config from an earlier revision', async () => {
    const before = await req('GET', `${configs}/app%2Fone`);
    expect((await req('DELETE', `${configs}/app%2Fone`)).status).toBe(204);
    const [deletion] = await revisionsOf('app/one');
    expect(deletion).toMatchObject({
      revision: 9,
      operation: 'delete',
      config: null,
      etag: before.headers.get('etag'),
    });

    const refused = await req('POST', `${history('app/one')}/restore`, { body: { revision: 9 } });
    expect(refused.status).toBe(422);
    expect(refused.json.errors[0].detail).toContain('restore an earlier revision');
    // If-Match cannot hold for a config that is gone.
    const ifMatch = await req('POST', `${history('app/one')}/restore`, {
      body: { revision: 1 },
      headers: { 'if-match': '*' },
    });
    expect(ifMatch.status).toBe(412);

    const recreated = await req('POST', `${history('app/one')}/restore`, { body: { revision: 1 } });
    expect(recreated.status).toBe(201);
    expect(recreated.json.config.config).toEqual({ a: 1 });
    expect(recreated.json.config.id).toBeGreaterThan(before.json.config.id);
    expect(recreated.headers.get('etag')).toBe(`"${recreated.json.config.id}-9"`);
    expect((await revisionsOf('app/one'))[0]).toMatchObject({ revision: 10, operation: 'restore', config: { a: 1 } });
    expect((await req('GET', `${configs}/app%2Fone`)).status).toBe(200);
  });

  it('answers 404 for a scope without history; a bad body is 422, a bad path or query 400', async () => {
    expect((await req('POST', `${history('never')}/restore`, { body: { revision: 1 } })).status).toBe(404);
    expect((await req('POST', `${history('app/one')}/restore`, { body: { revision: 99 } })).status).toBe(404);
    for (const body of [{}, { revision: 0 }, { revision: 'x' }]) {
      const answer = await req('POST', `${history('app/one')}/restore`, { body });
      expect(answer.status).toBe(422);
      expect(answer.json.errors[0].detail).toContain('revision');
    }
    expect((await req('GET', `${history('app/one')}/revisions?page[size]=0`)).status).toBe(400);
    expect((await req('GET', `${history('app/one')}/revisions/abc`)).status).toBe(400);
  });

  it('takes the integration’s own token (read scope to read, write to restore) or the admin', async () => {
    expect((await req('GET', `${history('app/one')}/revisions`, { token: tenant.tokens.erp })).status).toBe(403);
    expect((await req('GET', `${history('app/one')}/revisions`, { token: '', auth: tenant.adminAuth })).status).toBe(
      200,
    );
    const readOnly = await issueScopedAccessToken(opened.store, systemClock, tenant.accountId, 'crm', ['read']);
    expect((await req('GET', `${history('app/one')}/revisions`, { token: readOnly.token })).status).toBe(200);
    const refused = await req('POST', `${history('app/one')}/restore`, {
      token: readOnly.token,
      body: { revision: 1 },
    });
    expect(refused.status).toBe(403);
    expect((await req('GET', `${history('app/one')}/revisions`, { token: '' })).status).toBe(401);
  });
});
