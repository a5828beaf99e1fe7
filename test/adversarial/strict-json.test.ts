import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

// A config comes back as it was sent, or is refused saying which value cannot be kept:
// nothing is stored changed, on either store, whatever Content-Type the body came with.

const configs = '/api/services/zis/integrations/crm/configs';
const asJson = { 'content-type': 'application/json' };
const asForm = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' };

describe.each(storeKinds)('strict JSON bodies, on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  const create = (rawBody: string | Buffer, headers: Record<string, string> = asJson) =>
    fetch(server.baseUrl + configs, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${tenant.tokens.crm}` },
      body: rawBody,
    }).then(async (response) => ({ status: response.status, json: (await response.json()) as any }));
  const stored = async () =>
    (await call(server.baseUrl, 'GET', `${configs}?filter[scope]=*`, { token: tenant.tokens.crm })).json.configs ?? [];

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store);
    tenant = await createTenant(opened.store, 'acme', ['crm']);
  });
  afterAll(async () => {
    await server.close();
    await opened.cleanup();
  });

  it.each([
    ['a lone surrogate in the scope', '{"scope":"\\ud800x","config":{}}', 'Body field "scope"', 'lone surrogate'],
    ['a lone surrogate in a key', '{"scope":"s","config":{"\\udc00":1}}', 'config', 'lone surrogate'],
    ['an overflowing number', '{"scope":"s","config":{"n":1e999}}', 'config.n', 'too large'],
    ['a negative overflow', '{"scope":"s","config":{"n":[-1e999]}}', 'config.n[0]', 'too large'],
    ['an underflowing number', '{"scope":"s","config":{"n":1e-400}}', 'config.n', 'too small'],
    ['lost digits', '{"scope":"s","config":{"id":123456789012345678901234567890}}', 'config.id', 'cannot be kept'],
    ['a duplicate key', '{"scope":"s","config":{"a":1,"a":2}}', 'config.a', 'appears twice'],
  ])('refuses %s with 422 naming where, storing nothing', async (_name, body, path, why) => {
    for (const headers of [asJson, asForm]) {
      const response = await create(body, headers);
      expect(response.status).toBe(422);
      expect(response.json.errors[0].detail).toContain(path);
      expect(response.json.errors[0].detail).toContain(why);
    }
    expect(await stored()).toEqual([]);
  });

  it('refuses invalid UTF-8 with 400 instead of storing U+FFFD', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"scope":"s","config":{"t":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}}'),
    ]);
    for (const headers of [asJson, asForm]) {
      const response = await create(bytes, headers);
      expect(response.status).toBe(400);
      expect(response.json.errors[0]).toMatchObject({ code: '1100', status: '400' });
      expect(response.json.errors[0].detail).toContain('UTF-8');
    }
    expect(await stored()).toEqual([]);
  });

  it('keeps what round-trips: NUL, pairs, any Unicode, and numbers whose value a double keeps', async () => {
    const body =
      '{"scope":"keep","config":{"nul":"a\\u0000b","emoji":"\\ud83d\\ude00 😀","rtl":"שלום","one":1.0,' +
      '"hundred":1e2,"zero":-0,"big":9007199254740992,"tiny":5e-324,"pi":3.141592653589793}}';
    const created = await create(body);
    expect(created.status).toBe(201);
    const read = await call(server.baseUrl, 'GET', `${configs}/keep`, { token: tenant.tokens.crm });
    expect(read.json.config.config).toEqual({
      nul: 'a\u0000b',
      emoji: '😀 😀',
      rtl: 'שלום',
      one: 1,
      hundred: 100,
      zero: 0,
      big: 9007199254740992,
      tiny: 5e-324,
      pi: 3.141592653589793,
    });
  });
});
