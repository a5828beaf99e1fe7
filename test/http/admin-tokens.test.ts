import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/security/secrets.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const base = '/api/switchboard/v1/admin_tokens';
const basic = (email: string, token: string) => 'Basic ' + Buffer.from(`${email}/token:${token}`).toString('base64');

describe.each(storeKinds)('admin tokens API on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let acme: Tenant;
  let other: Tenant;
  let second: string;

  beforeAll(async () => {
    opened = await kind.open();
    // A long auth cache: a revoked token must be refused at once all the same.
    server = await startServer(opened.store, { settings: { authCacheMs: 60_000 } });
    acme = await createTenant(opened.store, 'acme', ['sync']);
    other = await createTenant(opened.store, 'other', []);
    await opened.store.createAdminToken({
      accountId: acme.accountId,
      email: 'ops@acme.example',
      tokenHash: hashSecret('sbat_second'),
      nowSeconds: 1_700_000_000,
    });
    second = basic('ops@acme.example', 'sbat_second');
  });
  afterAll(async () => {
    await server?.close();
    await opened?.cleanup();
  });

  it("lists the account's admin tokens: ids, emails, dates, never a secret", async () => {
    const listed = await call(server.baseUrl, 'GET', base, { auth: acme.adminAuth });
    expect(listed.status).toBe(200);
    expect(listed.json.admin_tokens).toHaveLength(2);
    expect(listed.json.admin_tokens[1]).toEqual({
      id: expect.any(Number),
      email: 'ops@acme.example',
      created_at: '2023-11-14T22:13:20Z',
    });
    expect(listed.text).not.toMatch(/sbat_|hash/);
  });

  it.each([
    ['a bearer token', (t: Tenant) => `Bearer ${t.tokens.sync}`, 403],
    ['no credentials', () => '', 401],
  ])('refuses %s', async (_, auth, status) => {
    expect((await call(server.baseUrl, 'GET', base, { auth: auth(acme) })).status).toBe(status);
  });

  it("answers 404 for another account's token id and 400 for an id that is not one, deleting nothing", async () => {
    const [otherToken] = await opened.store.listAdminTokens(other.accountId);
    const foreign = await call(server.baseUrl, 'DELETE', `${base}/${otherToken!.id}`, { auth: acme.adminAuth });
    expect(foreign.status).toBe(404);
    expect(foreign.json.errors[0].detail).toMatch(/No admin token with id \d+ on this account/);
    const bad = await call(server.baseUrl, 'DELETE', `${base}/abc`, { auth: acme.adminAuth });
    expect(bad.status).toBe(400);
    expect(await opened.store.listAdminTokens(other.accountId)).toHaveLength(1);
    expect(await opened.store.listAdminTokens(acme.accountId)).toHaveLength(2);
  });

  it('revokes a token: 204, and the next request with it is refused at once despite the cache', async () => {
    expect((await call(server.baseUrl, 'GET', base, { auth: second })).status).toBe(200);
    const id = (await opened.store.listAdminTokens(acme.accountId))[1]!.id;
    expect((await call(server.baseUrl, 'DELETE', `${base}/${id}`, { auth: acme.adminAuth })).status).toBe(204);
    expect((await call(server.baseUrl, 'GET', base, { auth: second })).status).toBe(401);
    expect((await call(server.baseUrl, 'DELETE', `${base}/${id}`, { auth: acme.adminAuth })).status).toBe(404);
  });

  it("refuses to revoke the account's last admin token (409), which keeps working", async () => {
    const [last] = await opened.store.listAdminTokens(acme.accountId);
    const refused = await call(server.baseUrl, 'DELETE', `${base}/${last!.id}`, { auth: acme.adminAuth });
    expect(refused.status).toBe(409);
    expect(refused.json.errors[0].detail).toMatch(/last one.*switchboard tokens revoke --admin-token-id/);
    expect((await call(server.baseUrl, 'GET', base, { auth: acme.adminAuth })).status).toBe(200);
  });
});
