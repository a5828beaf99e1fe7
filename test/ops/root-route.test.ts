import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTempSqlite, startServer, type TestServer } from '../helpers/server.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('GET /', () => {
  let server: TestServer;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const opened = await openTempSqlite();
    cleanup = opened.cleanup;
    server = await startServer(opened.store);
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  it("sends a browser (Accept: text/html) to the console, and the console's page answers", async () => {
    const accept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'; // Chromium's
    const answer = await fetch(`${server.baseUrl}/`, { headers: { accept }, redirect: 'manual' });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/console');
    const followed = await fetch(`${server.baseUrl}/`, { headers: { accept } });
    expect(followed.status).toBe(200);
    expect(followed.headers.get('content-type')).toContain('text/html');
  });

  it('answers anything else (curl sends */*) with a JSON index of links that all answer', async () => {
    for (const headers of [{ accept: '*/*' }, { accept: 'application/json' }, {} as Record<string, string>]) {
      const answer = await fetch(`${server.baseUrl}/`, { headers, redirect: 'manual' });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toContain('application/json');
      const index = (await answer.json()) as { links: Record<string, string> };
      expect(index).toEqual({
        name: 'Switchboard',
        version,
        links: {
          console: '/console',
          api_reference: '/docs',
          openapi: '/openapi.json',
          health: '/healthz',
          readiness: '/readyz',
          metrics: '/metrics',
        },
      });
      for (const path of Object.values(index.links)) {
        expect((await fetch(`${server.baseUrl}${path}`)).status, path).toBe(200);
      }
    }
  });
});
