import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { errorCatalogue } from '../../src/http/errors.js';
import { loadSettings } from '../../src/settings.js';
import type { FastifyInstance } from 'fastify';
import { call, createTenant, openTempSqlite } from '../helpers/server.js';

describe('operations', () => {
  let app: FastifyInstance;
  let baseUrl: string;
  let cleanup: () => Promise<void>;
  let token: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    const opened = await openTempSqlite();
    cleanup = opened.cleanup;
    token = (await createTenant(opened.store, 'acme', ['my_integration'])).tokens.my_integration!;
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(...String(chunk).trim().split('\n'));
        done();
      },
    });
    app = await buildApp({
      store: opened.store,
      settings: loadSettings({}),
      loggerInstance: pino({ level: 'info' }, sink),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app.close();
    await cleanup();
  });

  it('answers /healthz and /readyz', async () => {
    expect((await call(baseUrl, 'GET', '/healthz')).json).toEqual({ status: 'ok' });
    expect((await call(baseUrl, 'GET', '/readyz')).json).toEqual({ status: 'ready', database: 'sqlite' });
  });

  it('serves an OpenAPI document generated from the route schemas, and a browsable reference', async () => {
    const doc = (await call(baseUrl, 'GET', '/openapi.json')).json;
    expect(doc.openapi).toBe('3.1.0');
    const paths = Object.keys(doc.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/services/zis/integrations/{integration}/configs',
        '/api/services/zis/integrations/{integration}/configs/{scope}',
        '/api/services/zis/registry/{integration}',
        '/api/services/zis/registry/integrations',
        '/oauth/tokens',
        '/api/v2/oauth/tokens.json',
        '/api/v2/oauth/tokens/{id}',
        '/api/v2/oauth/clients/{id}/generate_secret.json',
      ]),
    );
    const list = doc.paths['/api/services/zis/integrations/{integration}/configs'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['filter[scope]', 'page[after]', 'page[size]', 'integration']),
    );
    // The empty list's 404, in the vendor envelope.
    expect(list.responses['404'].description).toMatch(/empty list with 404/);
    const notFound = list.responses['404'].content['application/json'].schema;
    expect(Object.keys(notFound.properties)).toEqual(['errors']);
    // The Support API's routes document its error shape and the token they create.
    const create = doc.paths['/api/v2/oauth/tokens.json'].post;
    expect(Object.keys(create.responses['422'].content['application/json'].schema.properties)).toEqual([
      'error',
      'description',
    ]);
    expect(Object.keys(create.responses['201'].content['application/json'].schema.properties.token.properties)).toEqual(
      expect.arrayContaining(['id', 'url', 'client_id', 'token', 'full_token', 'scopes', 'expires_at', 'used_at']),
    );
    expect(doc.paths['/api/v2/oauth/tokens/{id}'].delete.responses).toHaveProperty('204');
    // One spelling of each `/api/v2/` path: the vendor's `.json`.
    expect(paths).not.toContain('/api/v2/oauth/tokens');
    for (const page of ['/docs', '/docs/']) {
      const docs = await fetch(`${baseUrl}${page}`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain('/docs/start.js');
    }
    expect(await (await fetch(`${baseUrl}/docs/start.js`)).text()).toContain("url: '/openapi.json'");
  });

  it("returns a request id, taking the caller's when given", async () => {
    const generated = await call(baseUrl, 'GET', '/healthz');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const given = await call(baseUrl, 'GET', '/healthz', { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
  });

  it('logs one structured line per request with its id, and never a body or a token', async () => {
    await call(baseUrl, 'POST', '/api/services/zis/integrations/my_integration/configs', {
      token,
      body: { scope: 'logged', config: { secret_value: 'do-not-log-me' } },
      headers: { 'x-request-id': 'log-check' },
    });
    const lines = logLines.map((line) => JSON.parse(line));
    const entry = lines.find((line) => line.reqId === 'log-check' && line.msg === 'request');
    expect(entry).toMatchObject({
      method: 'POST',
      status: 201,
      url: '/api/services/zis/integrations/my_integration/configs',
    });
    expect(typeof entry.ms).toBe('number');
    const all = logLines.join('\n');
    expect(all).not.toContain('do-not-log-me');
    expect(all).not.toContain(token);
  });

  it('logs the same line for a read the fast lane answers as for one the route answers', async () => {
    const configs = '/api/services/zis/integrations/my_integration/configs';
    await call(baseUrl, 'POST', configs, {
      token,
      body: { scope: 'read-logged', config: { secret_value: 'do-not-log-me' } },
    });
    const url = `${configs}/read-logged`;
    await call(baseUrl, 'GET', url, { token }); // the token is now remembered
    // Over HTTP with a remembered token: the lane before fastify. Through inject: the route.
    expect((await call(baseUrl, 'GET', url, { token, headers: { 'x-request-id': 'lane-log' } })).status).toBe(200);
    const routed = await app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'route-log' },
    });
    expect(routed.statusCode).toBe(200);
    const lines = logLines.map((line) => JSON.parse(line));
    const lane = lines.find((line) => line.reqId === 'lane-log' && line.msg === 'request');
    const route = lines.find((line) => line.reqId === 'route-log' && line.msg === 'request');
    expect(Object.keys(lane)).toEqual(Object.keys(route));
    // Everything but the id, the time and the duration is the same.
    const steady = (line: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(line).filter(([key]) => !['reqId', 'time', 'ms'].includes(key)));
    const laneRest = steady(lane);
    expect(laneRest).toEqual(steady(route));
    expect(laneRest).toMatchObject({ method: 'GET', url, status: 200 });
    expect([typeof lane.ms, typeof route.ms]).toEqual(['number', 'number']);
    expect(logLines.join('\n')).not.toContain('do-not-log-me');
  });

  it('has a unique name and a vendor code for every catalogued error', () => {
    const names = errorCatalogue.map((e) => e.errorName);
    expect(new Set(names).size).toBe(names.length);
    for (const entry of errorCatalogue) {
      expect(entry.code).toMatch(/^\d{4}$/);
      expect(entry.statusCode).toBeGreaterThanOrEqual(400);
      expect(entry.defaultDetail.length).toBeGreaterThan(3);
    }
  });
});
