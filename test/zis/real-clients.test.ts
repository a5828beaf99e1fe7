import { request as httpRequest } from 'node:http';
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

  describe('a JSON body is JSON whatever its Content-Type says', () => {
    const form = 'application/x-www-form-urlencoded; charset=UTF-8';

    it("creates, overwrites and merges with JSON sent as a form, as the vendor's app framework sends it", async () => {
      const created = await req('POST', path(), {
        rawBody: JSON.stringify({ scope: 'as_form', config: { a: 1, nested: { keep: true, drop: 1 } } }),
        headers: { 'content-type': form },
      });
      expect(created.status).toBe(201);
      expect(created.json.config.config).toEqual({ a: 1, nested: { keep: true, drop: 1 } });
      const merged = await req('PATCH', `${path()}/as_form`, {
        rawBody: JSON.stringify({ config: { b: 2, nested: { drop: null } } }),
        headers: { 'content-type': form },
      });
      expect(merged.status).toBe(200);
      expect(merged.json.config.config).toEqual({ a: 1, b: 2, nested: { keep: true } });
      const replaced = await req('PUT', `${path()}/as_form`, {
        rawBody: JSON.stringify({ Config: { only: 'this' } }),
        headers: { 'content-type': form },
      });
      expect(replaced.status).toBe(200);
      expect((await req('GET', `${path()}/as_form`)).json.config.config).toEqual({ only: 'this' });
    });

    it.each([
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/octet-stream',
      'multipart/form-data',
      'json',
      'application/json; charset=UTF-8',
    ])('reads JSON sent as %s', async (type) => {
      const scope = `typed_${type.replace(/\W/g, '_')}`;
      const created = await req('POST', path(), {
        rawBody: JSON.stringify({ scope, config: { type } }),
        headers: { 'content-type': type },
      });
      expect(created.status).toBe(201);
      expect((await req('GET', `${path()}/${scope}`)).json.config.config).toEqual({ type });
    });

    it('reads JSON sent without a Content-Type', async () => {
      // fetch always adds a type to a string body; node:http sends none unless told.
      const send = (method: string, url: string, body: string) =>
        new Promise<{ status: number; json: any }>((resolve, reject) => {
          const target = new URL(server.baseUrl + url);
          const request = httpRequest(
            {
              method,
              host: target.hostname,
              port: target.port,
              path: target.pathname,
              headers: { authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(body) },
            },
            (response) => {
              let text = '';
              response.setEncoding('utf8');
              response.on('data', (chunk: string) => (text += chunk));
              response.on('end', () => resolve({ status: response.statusCode!, json: JSON.parse(text) }));
            },
          );
          request.on('error', reject);
          request.end(body);
        });
      const created = await send('POST', path(), '{"scope":"untyped","config":{"v":1}}');
      expect(created.status).toBe(201);
      const merged = await send('PATCH', `${path()}/untyped`, '{"config":{"w":2}}');
      expect(merged.status).toBe(200);
      expect(merged.json.config.config).toEqual({ v: 1, w: 2 });
      const refused = await send('PUT', `${path()}/untyped`, 'config=x');
      expect(refused.status).toBe(400);
      expect((await req('GET', `${path()}/untyped`)).json.config.config).toEqual({ v: 1, w: 2 });
    });

    it('refuses a body that is not JSON with 400 in the envelope, and stores nothing', async () => {
      const before = (await req('GET', `${path()}?filter[scope]=*`)).text;
      for (const [rawBody, type] of [
        ['scope=form_body&config=%7B%7D', form],
        ['scope=form_body', 'application/x-www-form-urlencoded'],
        ['{"scope":"form_body","config":{}', 'text/plain'],
        ['not json', 'application/json'],
      ] as const) {
        const response = await req('POST', path(), { rawBody, headers: { 'content-type': type } });
        expect(response.status, rawBody).toBe(400);
        expect(response.json).toEqual({
          errors: [{ code: '1100', detail: expect.stringMatching(/not valid JSON/), status: '400' }],
        });
      }
      const sentAsForm = await req('PATCH', `${path()}/as_form`, {
        rawBody: 'config=x',
        headers: { 'content-type': form },
      });
      expect(sentAsForm.json.errors[0].detail).toContain('(sent as application/x-www-form-urlencoded; charset=UTF-8)');
      expect((await req('GET', `${path()}/form_body`)).status).toBe(404);
      expect((await req('GET', `${path()}?filter[scope]=*`)).text).toBe(before);
    });

    it('keeps every validation: a form-typed JSON body that is not a config is 422', async () => {
      for (const [rawBody, detail] of [
        ['{"config":{}}', /"scope"/],
        ['{"scope":"x","config":[1]}', /JSON object/],
        ['[1]', /JSON object/],
      ] as const) {
        const response = await req('POST', path(), { rawBody, headers: { 'content-type': form } });
        expect(response.status, rawBody).toBe(422);
        expect(response.json.errors[0].detail).toMatch(detail);
      }
    });

    it('keeps the body limit: over it is 413 whatever the Content-Type', async () => {
      const limited = await startServer(opened.store, { settings: { bodyLimit: 4096 } });
      try {
        for (const type of [form, 'text/plain', 'application/json']) {
          const response = await call(limited.baseUrl, 'POST', path(), {
            token,
            rawBody: JSON.stringify({ scope: 'too_big', config: { big: 'x'.repeat(5000) } }),
            headers: { 'content-type': type },
          });
          expect(response.status, type).toBe(413);
          expect(response.json.errors[0]).toMatchObject({ code: '1100', status: '413' });
        }
        expect((await req('GET', `${path()}/too_big`)).status).toBe(404);
      } finally {
        await limited.close();
      }
    });

    it('leaves form parsing where forms belong: the OAuth token endpoint', async () => {
      const response = await fetch(`${server.baseUrl}/oauth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'zis_nobody_1', client_secret: 'x' }),
      });
      // Read as a form (and refused for the wrong secret), not as malformed JSON.
      expect(response.status).toBe(401);
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
