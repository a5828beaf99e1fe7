import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whyUndocumented } from '../../src/ops/undocumented-routes.js';
import { openApiPath, type OpenApiDocument } from '../helpers/openapi.js';
import { call, openTempSqlite, startServer, type TestServer } from '../helpers/server.js';

/**
 * The document at /openapi.json: valid OpenAPI 3.1, every API route of the server in it,
 * every operation with a described success answer and its errors in an envelope.
 *
 * Adding a route? Give it a `response` schema beside it (see src/http/response-schemas.ts)
 * and it appears here by itself. A page for people (not API) goes in
 * src/ops/undocumented-routes.ts with the reason.
 */
describe('the OpenAPI document', () => {
  let server: TestServer;
  let cleanup: () => Promise<void>;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    const opened = await openTempSqlite();
    cleanup = opened.cleanup;
    server = await startServer(opened.store);
    doc = (await call(server.baseUrl, 'GET', '/openapi.json')).json;
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })),
    );

  it('is valid against the OpenAPI 3.1 schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // The validator does catch a broken document: a response without its required description.
    const broken = structuredClone(doc) as any;
    delete broken.paths['/healthz'].get.responses['200'].description;
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('has every route the server registers, except the listed pages for people', () => {
    const missing: string[] = [];
    const left: string[] = [];
    for (const { method, url } of server.app.registeredRoutes) {
      if (method === 'HEAD') continue; // fastify adds a HEAD twin to every GET
      if (whyUndocumented(url)) {
        left.push(`${method} ${url}`);
        continue;
      }
      // `/api/v2/` paths answer with and without `.json`; the document lists the `.json` spelling.
      const path = openApiPath(url);
      const documentedAs = doc.paths[path]?.[method.toLowerCase()] ? path : `${path}.json`;
      if (!doc.paths[documentedAs]?.[method.toLowerCase()]) missing.push(`${method} ${url}`);
    }
    // Each line below is a route with no operation in /openapi.json: give it a `schema`
    // with a `response` (or, if it is a page for people, list it in undocumented-routes.ts).
    expect(missing).toEqual([]);
    // The left-out list is not a blanket: the admin-UI return_url and the API reference's files.
    expect(left).toEqual(expect.arrayContaining(['POST /admin-ui/return/:token', 'GET /docs/:file']));
  });

  it('documents each operation’s success answer and its errors in the envelope', () => {
    const problems: string[] = [];
    for (const { name, operation } of operations()) {
      const statuses = Object.keys(operation.responses);
      const success = statuses.filter((status) => /^[23]\d\d$/.test(status));
      if (success.length === 0) problems.push(`${name}: no success status`);
      for (const status of statuses) {
        const response = operation.responses[status]!;
        if (!response.description || response.description === 'Default Response') {
          problems.push(`${name} ${status}: no description`);
        }
        if (/^4\d\d$/.test(status)) {
          const properties = Object.keys((response.content?.['application/json']?.schema as any)?.properties ?? {})
            // Facts the client acts on beside the envelope (410's meta.oldest_revision).
            .filter((property) => property !== 'meta');
          const envelope = name.includes(' /api/v2/')
            ? ['error', 'description']
            : name.endsWith(' /oauth/tokens')
              ? ['error', 'error_description'] // RFC 6749 §5.2
              : ['errors'];
          if (properties.join() !== envelope.join()) problems.push(`${name} ${status}: not the error envelope`);
        }
      }
      // Whatever takes credentials says what answers without them.
      if (operation.security && !statuses.includes('401')) problems.push(`${name}: takes credentials, no 401`);
    }
    expect(problems).toEqual([]);
  });

  it('documents the answers that create with 201 and a body', () => {
    const created = (path: string) => doc.paths[path]!.post!.responses['201']?.content?.['application/json']?.schema;
    expect(Object.keys((created('/api/switchboard/v1/channel_integrations') as any).properties)).toEqual([
      'integration',
      'signing_secret',
    ]);
    const registered = doc.paths['/api/services/zis/registry/{integration}']!.post!.responses['200'];
    expect((registered as any).content['application/json'].schema.properties.zendesk_oauth_client).toBeDefined();
    expect((created('/api/v2/oauth/tokens.json') as any).properties.token.properties.full_token).toBeDefined();
    expect((created('/api/switchboard/v1/instances') as any).properties.zendesk_access_token).toBeDefined();
    expect(doc.paths['/api/switchboard/v1/channel_integrations']!.post!.responses['200']).toBeUndefined();
  });

  it('writes timestamp examples as the API writes timestamps', () => {
    const examples: string[] = [];
    JSON.stringify(doc, (key, value) => {
      if (value && typeof value === 'object' && value.format === 'date-time') {
        expect(value.examples, `a date-time schema without an example: ${JSON.stringify(value)}`).toBeDefined();
        examples.push(...value.examples);
      }
      return value;
    });
    expect(examples.length).toBeGreaterThan(10);
    for (const example of examples) expect(example).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
    expect(examples).toContain('2024-01-01T00:00:00Z');
  });

  it('names in servers the base URL the request reached, so samples are complete', async () => {
    expect(doc.servers).toEqual([{ url: server.baseUrl }]);
  });

  it('names SWITCHBOARD_PUBLIC_URL in servers when it is set', async () => {
    const opened = await openTempSqlite();
    const behindProxy = await startServer(opened.store, { settings: { publicUrl: 'https://switchboard.example.com' } });
    try {
      const document = (await call(behindProxy.baseUrl, 'GET', '/openapi.json')).json;
      expect(document.servers).toEqual([{ url: 'https://switchboard.example.com' }]);
    } finally {
      await behindProxy.close();
      await opened.cleanup();
    }
  });
});
