import type { InjectOptions } from 'fastify';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, openTempSqlite, startServer, type Tenant, type TestServer } from '../helpers/server.js';

/** Console pages read through basic auth (as a script would): counts, paging, empty lists, redaction. */
describe('console pages', () => {
  let server: TestServer;
  let tenant: Tenant;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const opened = await openTempSqlite();
    cleanup = opened.cleanup;
    server = await startServer(opened.store);
    tenant = await createTenant(opened.store, 'acme', ['busy', 'quiet']);
    const key = { accountId: tenant.accountId, integration: 'busy' };
    for (let i = 1; i <= 1001; i++) {
      await opened.store.createConfig(key, {
        scope: `s:${String(i).padStart(4, '0')}`,
        configJson: '{}',
        nowSeconds: 1_700_000_000,
        actor: { type: 'admin', id: tenant.adminEmail, requestId: 'test' },
      });
    }
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  const get = (url: string) =>
    server.app.inject({ method: 'GET', url, headers: { authorization: tenant.adminAuth } } as InjectOptions);
  const cells = (html: string) =>
    [...html.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '').trim());

  it('caps config counts: 1,000+ past a thousand, never a full count', async () => {
    const page = await get('/console/configs');
    expect(page.statusCode).toBe(200);
    expect(cells(page.body)).toEqual(['busy', '1,000+', 'quiet', '0']);
  });

  it('pages one integration’s configs, 25 at a time, with the filter kept in the next link', async () => {
    const first = await get('/console/configs/busy?filter=s%3A00*');
    const scopes = [...first.body.matchAll(/<code>(s:\d{4})<\/code><\/a>/g)].map((m) => m[1]);
    expect(scopes).toHaveLength(25);
    expect(scopes[0]).toBe('s:0001');
    const next = /href="([^"]*after=\d+[^"]*)">Next page/.exec(first.body)![1]!.replaceAll('&amp;', '&');
    expect(next).toContain('filter=s%3A00*');
    const second = await get(next);
    expect([...second.body.matchAll(/<code>(s:\d{4})<\/code><\/a>/g)].map((m) => m[1])[0]).toBe('s:0026');
  });

  it('shows an empty list as an empty table, and a bad filter in words', async () => {
    const empty = await get('/console/configs/quiet');
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toMatch(/<tbody>\s*<\/tbody>/);
    expect(empty.body).toContain('No config matches');
    const bad = await get(`/console/configs/busy?filter=${'x'.repeat(300)}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Filter not applied: filter[scope] can match no scope');
  });

  it('shows one config as formatted JSON with its ETag and times', async () => {
    const page = await get('/console/configs/busy/config?scope=s%3A0001');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-etag>&quot;');
    expect(page.body).toContain('2023-11-14T22:13:20Z');
    expect((await get('/console/configs/busy/config?scope=nope')).statusCode).toBe(404);
  });
});

describe('the OpenAPI document', () => {
  it('leaves out the console (pages for people, listed in ops/undocumented-routes.ts)', async () => {
    const opened = await openTempSqlite();
    const server = await startServer(opened.store);
    try {
      const doc = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
        paths: Record<string, unknown>;
      };
      expect(Object.keys(doc.paths).filter((path) => path.startsWith('/console'))).toEqual([]);
    } finally {
      await server.close();
      await opened.cleanup();
    }
  });
});

describe('the template engine and diff', () => {
  it('are imported only dynamically (on the first console page), never at server start', () => {
    const src = fileURLToPath(new URL('../../src', import.meta.url));
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const staticImports = files.flatMap((file) =>
      readFileSync(join(src, file), 'utf8')
        .split('\n')
        .filter((line) => /^import (?!type )[^;]*from '(eta|diff)'/.test(line))
        .map((line) => `${file}: ${line}`),
    );
    expect(staticImports).toEqual([]);
    const render = readFileSync(join(src, 'console/render.ts'), 'utf8');
    expect(render).toContain("import('eta')");
  });
});
