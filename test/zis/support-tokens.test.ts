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

  /** Registers an integration as the vendor's ZIS guide does, and returns its OAuth client. */
  const register = async (tenant: Tenant, name: string) => {
    const registered = await call(server.baseUrl, 'POST', `/api/services/zis/registry/${name}`, {
      auth: tenant.adminAuth,
    });
    expect(registered.status).toBe(200);
    return registered.json.zendesk_oauth_client as { id: number; identifier: string; secret: string };
  };
  const createToken = (tenant: Tenant, body: unknown, path = '/api/v2/oauth/tokens.json') =>
    call(server.baseUrl, 'POST', path, { auth: tenant.adminAuth, body });
  const clientCredentialsGrant = (client_id: string, client_secret: string) =>
    call(server.baseUrl, 'POST', '/oauth/tokens', {
      body: { grant_type: 'client_credentials', client_id, client_secret },
    });

  it('creates a token as the vendor documents it, on both paths, and full_token works as a Bearer token', async () => {
    const client = await register(acme, 'guide_app');
    for (const path of ['/api/v2/oauth/tokens.json', '/api/v2/oauth/tokens']) {
      const created = await createToken(acme, { token: { client_id: client.id, scopes: ['read', 'write'] } }, path);
      expect(created.status).toBe(201);
      expect(created.headers.get('cache-control')).toBe('no-store');
      const token = created.json.token;
      expect(Object.keys(token)).toEqual([
        'id',
        'url',
        'client_id',
        'token',
        'full_token',
        'scopes',
        'created_at',
        'expires_at',
        'used_at',
      ]);
      expect(token).toMatchObject({
        client_id: client.id,
        scopes: ['read', 'write'],
        expires_at: null,
        used_at: null,
        url: `${server.baseUrl}/api/v2/oauth/tokens/${token.id}.json`,
      });
      expect(token.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      // token is a masked prefix: the first 10 characters, never the whole token.
      expect(token.full_token).toMatch(/^sbzt_[\w-]{43}$/);
      expect(token.token).toBe(`${token.full_token.slice(0, 10)}...`);

      const bearer = { token: token.full_token };
      const url = configs('guide_app');
      const scope = `from_${path.endsWith('.json') ? 'json' : 'plain'}`;
      expect((await call(server.baseUrl, 'POST', url, { ...bearer, body: { scope, config: { ok: 1 } } })).status).toBe(
        201,
      );
      const listed = await call(server.baseUrl, 'GET', `${url}?filter[scope]=${scope}`, bearer);
      expect(listed.status).toBe(200);
      expect(listed.json.configs[0]).toMatchObject({ scope, zendesk_account_id: acme.accountId });
      // Bound to its integration, as every ZIS token is.
      expect((await call(server.baseUrl, 'GET', `${configs('my_integration')}?filter[scope]=*`, bearer)).status).toBe(
        403,
      );
    }
  });

  it("takes client_id as a string of digits too, and keeps the vendor guide's order of steps working", async () => {
    const client = await register(acme, 'string_id');
    const created = await createToken(acme, { token: { client_id: String(client.id), scopes: ['write', 'read'] } });
    expect(created.status).toBe(201);
    expect(created.json.token.scopes).toEqual(['read', 'write']);
  });

  it("lists the account's tokens without secrets, shows one, and records when a token was used", async () => {
    const client = await register(acme, 'listed');
    const created = (await createToken(acme, { token: { client_id: client.id, scopes: ['read'] } })).json.token;
    const listed = await call(server.baseUrl, 'GET', '/api/v2/oauth/tokens.json', { auth: acme.adminAuth });
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(created.full_token);
    expect(listed.text).not.toContain('full_token');
    const entry = listed.json.tokens.find((token: { id: number }) => token.id === created.id);
    const withoutSecret = { ...created };
    delete withoutSecret.full_token;
    expect(entry).toEqual(withoutSecret);
    // Every token of the account, the ones issued otherwise too (first run, CLI, OAuth grant).
    expect(listed.json.tokens.map((token: { id: number }) => token.id)).toEqual(
      [...listed.json.tokens.map((token: { id: number }) => token.id)].sort((a: number, b: number) => a - b),
    );
    expect(listed.json.tokens.length).toBeGreaterThanOrEqual(2);
    // Tokens issued otherwise (here as the CLI and first run issue them) have read and write.
    expect(listed.json.tokens[0]).toMatchObject({
      scopes: ['read', 'write'],
      token: `${acme.tokens.my_integration!.slice(0, 10)}...`,
    });
    expect(listed.json.meta).toEqual({ has_more: false, after_cursor: String(listed.json.tokens.at(-1).id) });
    expect(listed.json.links).toEqual({ next: null });

    // Cursor pages.
    const first = await call(server.baseUrl, 'GET', '/api/v2/oauth/tokens?page[size]=1', { auth: acme.adminAuth });
    expect(first.json.tokens).toHaveLength(1);
    expect(first.json.meta.has_more).toBe(true);
    const next = new URL(first.json.links.next);
    const second = await call(server.baseUrl, 'GET', next.pathname + next.search, { auth: acme.adminAuth });
    expect(second.json.tokens[0].id).toBeGreaterThan(first.json.tokens[0].id);

    // Used once: used_at is set (to within an hour, so it is not written on every request).
    const used = await call(server.baseUrl, 'GET', `${configs('listed')}?filter[scope]=*`, {
      token: created.full_token,
    });
    expect(used.status).toBe(404);
    await expect
      .poll(async () => {
        const shown = await call(server.baseUrl, 'GET', `/api/v2/oauth/tokens/${created.id}.json`, {
          auth: acme.adminAuth,
        });
        return shown.json.token.used_at;
      })
      .toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const shown = await call(server.baseUrl, 'GET', `/api/v2/oauth/tokens/${created.id}`, { auth: acme.adminAuth });
    expect(shown.status).toBe(200);
    expect(shown.json.token).toMatchObject({ id: created.id, token: created.token, scopes: ['read'] });
    expect(shown.text).not.toContain(created.full_token);
  });

  it('revokes a token: 204, and it stops authenticating at once despite the auth cache', async () => {
    const client = await register(acme, 'revoked');
    const created = (await createToken(acme, { token: { client_id: client.id, scopes: ['read', 'write'] } })).json
      .token;
    const bearer = { token: created.full_token };
    const url = `${configs('revoked')}?filter[scope]=*`;
    // Used twice, so it is in the auth cache.
    expect((await call(server.baseUrl, 'GET', url, bearer)).status).toBe(404);
    expect((await call(server.baseUrl, 'GET', url, bearer)).status).toBe(404);
    const revoked = await call(server.baseUrl, 'DELETE', `/api/v2/oauth/tokens/${created.id}.json`, {
      auth: acme.adminAuth,
    });
    expect(revoked.status).toBe(204);
    expect(revoked.text).toBe('');
    const after = await call(server.baseUrl, 'GET', url, bearer);
    expect(after.status).toBe(401);
    expect(after.json.errors[0].detail).toMatch(/not valid/);
    const again = await call(server.baseUrl, 'DELETE', `/api/v2/oauth/tokens/${created.id}`, { auth: acme.adminAuth });
    expect(again.status).toBe(404);
    expect(again.json).toEqual(supportError('RecordNotFound', new RegExp(`${created.id}`)));
    const listed = await call(server.baseUrl, 'GET', '/api/v2/oauth/tokens.json', { auth: acme.adminAuth });
    expect(listed.json.tokens.map((token: { id: number }) => token.id)).not.toContain(created.id);
  });

  it('gives read-only tokens reads and refuses their writes with 403', async () => {
    const client = await register(acme, 'read_only');
    const writer = (await createToken(acme, { token: { client_id: client.id, scopes: ['read', 'write'] } })).json.token;
    const reader = (await createToken(acme, { token: { client_id: client.id, scopes: ['read'] } })).json.token;
    const url = configs('read_only');
    const asWriter = { token: writer.full_token };
    const asReader = { token: reader.full_token };
    expect(
      (await call(server.baseUrl, 'POST', url, { ...asWriter, body: { scope: 's', config: { v: 1 } } })).status,
    ).toBe(201);
    expect((await call(server.baseUrl, 'GET', `${url}?filter[scope]=*`, asReader)).status).toBe(200);
    expect((await call(server.baseUrl, 'GET', `${url}/s`, asReader)).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', url, { scope: 't', config: {} }],
      ['PUT', `${url}/s`, { config: { v: 2 } }],
      ['PATCH', `${url}/s`, { config: { v: 3 } }],
      ['DELETE', `${url}/s`, undefined],
    ] as const) {
      const response = await call(server.baseUrl, method, path, { ...asReader, body });
      expect(response.status, method).toBe(403);
      expect(response.json).toEqual({
        errors: [{ code: '1110', detail: expect.stringMatching(/scopes "read".*needs "write"/), status: '403' }],
      });
    }
    // Refused before the body is read: even a malformed one.
    const malformed = await call(server.baseUrl, 'PUT', `${url}/s`, {
      ...asReader,
      rawBody: '{',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(403);
    expect((await call(server.baseUrl, 'GET', `${url}/s`, asWriter)).json.config.config).toEqual({ v: 1 });
    const writeOnly = (await createToken(acme, { token: { client_id: client.id, scopes: ['write'] } })).json.token;
    expect((await call(server.baseUrl, 'GET', `${url}/s`, { token: writeOnly.full_token })).status).toBe(403);
  });

  it("refuses unknown scopes (422), missing fields (422) and another account's client (404), in the Support shape", async () => {
    const client = await register(acme, 'validated');
    const other = await createTenant(opened.store, `other_${kind.name}`, ['theirs']);
    const theirs = (await opened.store.findIntegration(other.accountId, 'theirs'))!;
    const cases: [unknown, number, string, RegExp][] = [
      [{ token: { client_id: client.id, scopes: ['admin'] } }, 422, 'RecordInvalid', /Unknown scope "admin"/],
      [{ token: { client_id: client.id, scopes: ['read', 'impersonate'] } }, 422, 'RecordInvalid', /"impersonate"/],
      [{ token: { client_id: client.id, scopes: [] } }, 422, 'RecordInvalid', /scopes is empty/],
      [{ token: { client_id: client.id } }, 422, 'RecordInvalid', /scopes.*required/],
      [{ token: { scopes: ['read'] } }, 422, 'RecordInvalid', /client_id.*required/],
      [{ client_id: client.id, scopes: ['read'] }, 422, 'RecordInvalid', /token.*required/],
      [{ token: { client_id: theirs.id, scopes: ['read'] } }, 404, 'RecordNotFound', /No OAuth client/],
      [{ token: { client_id: 999999, scopes: ['read'] } }, 404, 'RecordNotFound', /No OAuth client/],
      [{ token: { client_id: 'abc', scopes: ['read'] } }, 404, 'RecordNotFound', /No OAuth client/],
    ];
    for (const [body, status, error, description] of cases) {
      const response = await createToken(acme, body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.json, JSON.stringify(body)).toEqual(supportError(error, description));
    }
    const malformed = await call(server.baseUrl, 'POST', '/api/v2/oauth/tokens.json', {
      auth: acme.adminAuth,
      rawBody: '{"token":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toEqual(supportError('RecordInvalid', /not valid JSON/));
    // Nothing was issued for the other account's client, and its tokens are not ours to see or revoke.
    const ours = await call(server.baseUrl, 'GET', '/api/v2/oauth/tokens.json', { auth: acme.adminAuth });
    expect(ours.json.tokens.every((token: { client_id: number }) => token.client_id !== theirs.id)).toBe(true);
    const theirTokens = await call(server.baseUrl, 'GET', '/api/v2/oauth/tokens.json', { auth: other.adminAuth });
    const theirToken = theirTokens.json.tokens[0];
    expect(theirToken.client_id).toBe(theirs.id);
    for (const method of ['GET', 'DELETE']) {
      const response = await call(server.baseUrl, method, `/api/v2/oauth/tokens/${theirToken.id}.json`, {
        auth: acme.adminAuth,
      });
      expect(response.status).toBe(404);
      expect(response.json).toEqual(supportError('RecordNotFound'));
    }
    expect(
      (await call(server.baseUrl, 'GET', `${configs('theirs')}?filter[scope]=*`, { token: other.tokens.theirs }))
        .status,
    ).toBe(404);
  });

  it('takes admin credentials: 401 without, 403 with a bearer token, in the Support shape', async () => {
    const none = await call(server.baseUrl, 'GET', '/api/v2/oauth/tokens.json');
    expect(none.status).toBe(401);
    expect(none.json).toEqual(supportError('Unauthorized', /Authorization/));
    const wrong = await call(server.baseUrl, 'POST', '/api/v2/oauth/tokens.json', {
      auth: 'Basic ' + Buffer.from(`${acme.adminEmail}/token:wrong`).toString('base64'),
      body: { token: { client_id: 1, scopes: ['read'] } },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual(supportError('Unauthorized'));
    const bearer = { token: acme.tokens.my_integration };
    for (const [method, path] of [
      ['GET', '/api/v2/oauth/tokens.json'],
      ['POST', '/api/v2/oauth/tokens.json'],
      ['DELETE', '/api/v2/oauth/tokens/1.json'],
      ['PUT', '/api/v2/oauth/clients/1/generate_secret.json'],
    ] as const) {
      const response = await call(server.baseUrl, method, path, {
        ...bearer,
        body: method === 'POST' ? { token: { client_id: 1, scopes: ['read'] } } : undefined,
      });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.json).toEqual(supportError('Forbidden', /admin/));
    }
    const registry = await call(server.baseUrl, 'GET', '/api/services/zis/registry/integrations', bearer);
    expect(registry.status).toBe(403);
    expect(registry.json.errors[0]).toMatchObject({ code: '1110', status: '403' });
  });

  it('generates a new client secret: the old one stops working for the grant, the new one works, issued tokens stay valid', async () => {
    const client = await register(acme, 'rotated');
    const granted = await clientCredentialsGrant(client.identifier, client.secret);
    expect(granted.status).toBe(200);
    const issued = (await createToken(acme, { token: { client_id: client.id, scopes: ['read', 'write'] } })).json.token;

    for (const path of [
      `/api/v2/oauth/clients/${client.id}/generate_secret.json`,
      `/api/v2/oauth/clients/${client.id}/generate_secret`,
    ]) {
      const before = (await opened.store.findIntegrationById(acme.accountId, client.id))!.clientSecretHash;
      const rotated = await call(server.baseUrl, 'PUT', path, { auth: acme.adminAuth });
      expect(rotated.status).toBe(200);
      expect(rotated.headers.get('cache-control')).toBe('no-store');
      expect(rotated.json.client).toEqual({
        id: client.id,
        name: 'rotated',
        identifier: client.identifier,
        secret: expect.stringMatching(/^[\w-]{43}$/),
        created_at: expect.any(String),
      });
      expect(rotated.json.client.secret).not.toBe(client.secret);
      expect((await opened.store.findIntegrationById(acme.accountId, client.id))!.clientSecretHash).not.toBe(before);
      expect((await clientCredentialsGrant(client.identifier, rotated.json.client.secret)).status).toBe(200);
    }
    const old = await clientCredentialsGrant(client.identifier, client.secret);
    expect(old.status).toBe(401);
    // Tokens issued before, by the grant and by the Support API, still work.
    for (const [i, token] of [granted.json.access_token, issued.full_token].entries()) {
      const created = await call(server.baseUrl, 'POST', configs('rotated'), {
        token,
        body: { scope: `after_rotation_${i}`, config: {} },
      });
      expect(created.status).toBe(201);
      expect((await call(server.baseUrl, 'GET', `${configs('rotated')}/after_rotation_${i}`, { token })).status).toBe(
        200,
      );
    }

    const other = await createTenant(opened.store, `rotator_${kind.name}`, []);
    const stolen = await call(server.baseUrl, 'PUT', `/api/v2/oauth/clients/${client.id}/generate_secret.json`, {
      auth: other.adminAuth,
    });
    expect(stolen.status).toBe(404);
    expect(stolen.json).toEqual(supportError('RecordNotFound', /No OAuth client/));
  });

  it("lists the account's registered integrations with their OAuth client id and identifier, never the secret", async () => {
    const other = await createTenant(opened.store, `registry_${kind.name}`, []);
    const empty = await call(server.baseUrl, 'GET', '/api/services/zis/registry/integrations', {
      auth: other.adminAuth,
    });
    expect(empty.status).toBe(200);
    expect(empty.json).toEqual({ integrations: [] });
    const client = await register(other, 'listed_app');
    const listed = await call(server.baseUrl, 'GET', '/api/services/zis/registry/integrations', {
      auth: other.adminAuth,
    });
    expect(listed.json).toEqual({
      integrations: [
        { name: 'listed_app', description: '', zendesk_oauth_client: { id: client.id, identifier: client.identifier } },
      ],
    });
    expect(listed.text).not.toContain(client.secret);
    const mine = await call(server.baseUrl, 'GET', '/api/services/zis/registry/integrations', { auth: acme.adminAuth });
    expect(mine.json.integrations.map((i: { name: string }) => i.name)).toContain('my_integration');
    expect(mine.json.integrations.map((i: { name: string }) => i.name)).not.toContain('listed_app');
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
