import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTenant, startServer, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const base = '/api/services/zis/integrations/my_integration/configs';

/**
 * Every client mistake answers the envelope with a detail that says what to fix, never a
 * 500, and leaves every stored config as it was.
 */
describe.each(storeKinds)('bad input on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let token: string;
  let snapshot: string;

  const listAll = async () => (await call(server.baseUrl, 'GET', `${base}?filter[scope]=*`, { token })).text;

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store, { settings: { bodyLimit: 64 * 1024, maxConfigBytes: 8 * 1024 } });
    token = (await createTenant(opened.store, 'acme', ['my_integration'])).tokens.my_integration!;
    for (const scope of ['existing', 'other']) {
      await call(server.baseUrl, 'POST', base, { token, body: { scope, config: { keep: scope } } });
    }
    snapshot = await listAll();
  });
  afterAll(async () => {
    await server.close();
    await opened.cleanup();
  });

  const json = { 'content-type': 'application/json' };
  const cases: {
    name: string;
    method: string;
    url: string;
    raw?: string;
    headers?: Record<string, string>;
    noAuth?: boolean;
    status: number;
    detail: RegExp;
  }[] = [
    {
      name: 'malformed JSON',
      method: 'PUT',
      url: `${base}/existing`,
      raw: '{"config": {',
      headers: json,
      status: 400,
      detail: /not valid JSON/,
    },
    {
      // JSON under any Content-Type is JSON (see real-clients.test.ts); text that is not is 400.
      name: 'text that is not JSON',
      method: 'PUT',
      url: `${base}/existing`,
      raw: 'config: {}',
      headers: { 'content-type': 'text/plain' },
      status: 400,
      detail: /\(sent as text\/plain\) is not valid JSON/,
    },
    {
      name: 'form body',
      method: 'POST',
      url: base,
      raw: 'scope=x&config=y',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      status: 400,
      detail: /not valid JSON.*whatever the Content-Type/,
    },
    {
      name: 'body over the limit',
      method: 'PUT',
      url: `${base}/existing`,
      raw: JSON.stringify({ config: { big: 'x'.repeat(70 * 1024) } }),
      headers: json,
      status: 413,
      detail: /too large|larger/,
    },
    {
      name: 'config not an object (array)',
      method: 'PUT',
      url: `${base}/existing`,
      raw: '{"config":[1,2]}',
      headers: json,
      status: 422,
      detail: /config.*JSON object/,
    },
    {
      name: 'config not an object (string)',
      method: 'PATCH',
      url: `${base}/existing`,
      raw: '{"config":"x"}',
      headers: json,
      status: 422,
      detail: /config.*JSON object/,
    },
    {
      name: 'body not an object',
      method: 'POST',
      url: base,
      raw: '[1]',
      headers: json,
      status: 422,
      detail: /JSON object/,
    },
    { name: 'empty body on create', method: 'POST', url: base, raw: '', headers: json, status: 422, detail: /empty/ },
    {
      name: 'oversized config',
      method: 'PUT',
      url: `${base}/existing`,
      raw: JSON.stringify({ config: { big: 'x'.repeat(9 * 1024) } }),
      headers: json,
      status: 422,
      detail: /limit is 8192 bytes/,
    },
    {
      name: 'oversized after merge',
      method: 'PATCH',
      url: `${base}/existing`,
      raw: JSON.stringify({ config: { big: 'y'.repeat(8170) } }),
      headers: json,
      status: 422,
      detail: /limit is 8192 bytes/,
    },
    {
      name: 'config nested too deep',
      method: 'PUT',
      url: `${base}/existing`,
      raw: `{"config":${'{"a":'.repeat(80)}1${'}'.repeat(80)}}`,
      headers: json,
      status: 422,
      detail: /nested/,
    },
    {
      name: 'create without scope',
      method: 'POST',
      url: base,
      raw: '{"config":{}}',
      headers: json,
      status: 422,
      detail: /"scope"/,
    },
    {
      name: 'create without config',
      method: 'POST',
      url: base,
      raw: '{"scope":"s"}',
      headers: json,
      status: 422,
      detail: /"config"/,
    },
    {
      name: 'scope too long (body)',
      method: 'POST',
      url: base,
      raw: JSON.stringify({ scope: 's'.repeat(256), config: {} }),
      headers: json,
      status: 422,
      detail: /at most 255/,
    },
    {
      name: 'scope with * (body)',
      method: 'POST',
      url: base,
      raw: '{"scope":"a*","config":{}}',
      headers: json,
      status: 422,
      detail: /wildcard/,
    },
    {
      name: 'scope with control character (body)',
      method: 'POST',
      url: base,
      raw: '{"scope":"a\\u0007b","config":{}}',
      headers: json,
      status: 422,
      detail: /control characters.*U\+0007/,
    },
    {
      name: 'empty scope (body)',
      method: 'POST',
      url: base,
      raw: '{"scope":"","config":{}}',
      headers: json,
      status: 422,
      detail: /empty/,
    },
    { name: 'scope too long (path)', method: 'GET', url: `${base}/${'s'.repeat(256)}`, status: 400, detail: /255/ },
    {
      name: 'scope with * (path)',
      method: 'PATCH',
      url: `${base}/a*`,
      raw: '{"config":{}}',
      headers: json,
      status: 400,
      detail: /wildcard/,
    },
    {
      name: 'scope with control character (path)',
      method: 'DELETE',
      url: `${base}/a%0Ab`,
      status: 400,
      detail: /control/,
    },
    {
      name: 'renaming through the body',
      method: 'PUT',
      url: `${base}/existing`,
      raw: '{"scope":"renamed","config":{}}',
      headers: json,
      status: 422,
      detail: /cannot be renamed/,
    },
    {
      name: 'both config and Config',
      method: 'PATCH',
      url: `${base}/existing`,
      raw: '{"config":{},"Config":{}}',
      headers: json,
      status: 400,
      detail: /not both/,
    },
    {
      name: 'invalid integration name',
      method: 'GET',
      url: '/api/services/zis/integrations/Bad.Name/configs?filter[scope]=*',
      status: 400,
      detail: /integration.*\^\[a-z0-9_-\]/,
    },
    { name: 'missing filter[scope]', method: 'GET', url: base, status: 400, detail: /filter\[scope\].*required/ },
    {
      name: 'empty filter[scope]',
      method: 'GET',
      url: `${base}?filter[scope]=`,
      status: 400,
      detail: /must not be empty/,
    },
    {
      name: 'non-integer page[size]',
      method: 'GET',
      url: `${base}?filter[scope]=*&page[size]=ten`,
      status: 400,
      detail: /page\[size\].*integer/,
    },
    {
      name: 'page[size] 0',
      method: 'GET',
      url: `${base}?filter[scope]=*&page[size]=0`,
      status: 400,
      detail: /page\[size\].*>= 1/,
    },
    {
      name: 'page[size] 101',
      method: 'GET',
      url: `${base}?filter[scope]=*&page[size]=101`,
      status: 400,
      detail: /page\[size\].*<= 100/,
    },
    {
      name: 'non-integer page[after]',
      method: 'GET',
      url: `${base}?filter[scope]=*&page[after]=1.5`,
      status: 400,
      detail: /page\[after\].*integer/,
    },
    {
      name: 'negative page[after]',
      method: 'GET',
      url: `${base}?filter[scope]=*&page[after]=-1`,
      status: 400,
      detail: /page\[after\].*>= 0/,
    },
    {
      name: 'unknown route',
      method: 'GET',
      url: '/api/services/zis/nothing',
      status: 404,
      detail: /No route GET \/api\/services\/zis\/nothing/,
    },
    {
      name: 'unknown method',
      method: 'POST',
      url: `${base}/existing`,
      raw: '{}',
      headers: json,
      status: 404,
      detail: /No route POST/,
    },
    {
      name: 'missing Authorization',
      method: 'GET',
      url: `${base}?filter[scope]=*`,
      noAuth: true,
      status: 401,
      detail: /Authorization: Bearer/,
    },
    {
      name: 'garbage Authorization',
      method: 'GET',
      url: `${base}?filter[scope]=*`,
      headers: { authorization: 'Token abc' },
      noAuth: true,
      status: 401,
      detail: /Bearer or Basic/,
    },
    {
      name: 'unknown bearer token',
      method: 'DELETE',
      url: `${base}/existing`,
      headers: { authorization: 'Bearer sbzt_nope' },
      noAuth: true,
      status: 401,
      detail: /not valid/,
    },
    {
      name: 'garbage basic auth',
      method: 'DELETE',
      url: `${base}/existing`,
      headers: { authorization: 'Basic !!!!' },
      noAuth: true,
      status: 401,
      detail: /token:/,
    },
  ];

  it.each(cases)('$name → $status with a detail that says what to fix', async (c) => {
    const response = await call(server.baseUrl, c.method, c.url, {
      token: c.noAuth ? undefined : token,
      rawBody: c.raw,
      headers: c.headers,
    });
    expect(response.status).toBe(c.status);
    expect(response.json.errors).toHaveLength(1);
    const [error] = response.json.errors;
    expect(error.status).toBe(String(c.status));
    expect(error.code).toBe(c.status === 400 || c.status === 413 ? '1100' : '1110');
    expect(error.detail).toMatch(c.detail);
    expect(response.text).not.toMatch(/stack|at .*\.ts:\d+|SELECT|sqlite/i);
    expect(await listAll()).toBe(snapshot);
  });
});
