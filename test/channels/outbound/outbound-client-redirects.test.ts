import { afterEach, describe, expect, it } from 'vitest';
import { OutboundClient } from '../../../src/channels/outbound/outbound-client.js';
import { rejectionOf, startServer, type Handler, type LoopbackServer } from './loopback-server.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(handler: Handler): Promise<LoopbackServer> {
  const started = await startServer(handler);
  cleanups.push(started.close);
  return started;
}

function client(): OutboundClient {
  const created = new OutboundClient({ mode: 'development', timeoutMs: 5000 });
  cleanups.push(() => created.close());
  return created;
}

const MANIFEST = '{"name":"Example","id":"com.example","version":"1.0"}';

// Every path redirects as its table says; /manifest.json answers.
function redirecting(routes: Record<string, [status: number, location: string | undefined]>): Handler {
  return (seen, res) => {
    const route = routes[seen.url];
    if (!route) return void res.writeHead(200, { 'content-type': 'application/json' }).end(MANIFEST);
    const [status, location] = route;
    res.writeHead(status, location === undefined ? {} : { location }).end('moved');
  };
}

describe('OutboundClient redirects', () => {
  it('follows a relative 301 to the manifest and reports the final URL', async () => {
    const target = await server(redirecting({ '/old/manifest.json': [301, '../manifest.json'] }));
    const response = await client().get(`${target.origin}/old/manifest.json`);
    expect(response).toMatchObject({ status: 200, body: MANIFEST, url: `${target.origin}/manifest.json` });
    expect(target.requests.map((r) => r.url)).toEqual(['/old/manifest.json', '/manifest.json']);
  });

  it('follows 302, 307 and 308 with absolute locations, across servers', async () => {
    const final = await server(redirecting({}));
    const first = await server(
      redirecting({ '/a': [302, '/b'], '/b': [307, '/c'], '/c': [308, `${final.origin}/manifest.json`] }),
    );
    const response = await client().get(`${first.origin}/a`);
    expect(response.url).toBe(`${final.origin}/manifest.json`);
    expect(response.body).toBe(MANIFEST);
  });

  it('fails with redirect on a loop', async () => {
    const target = await server(redirecting({ '/a': [301, '/b'], '/b': [302, '/a'] }));
    const error = await rejectionOf(client().get(`${target.origin}/a`));
    expect(error.kind).toBe('redirect');
    expect(error.message).toBe(`GET ${target.origin}/b redirects back to ${target.origin}/a: a redirect loop.`);
  });

  it('fails with redirect after too many hops', async () => {
    const target = await server((seen, res) => {
      const n = Number(seen.url.slice(1));
      res.writeHead(302, { location: `/${n + 1}` }).end();
    });
    const error = await rejectionOf(client().get(`${target.origin}/0`, { followRedirects: 3 }));
    expect(error.kind).toBe('redirect');
    expect(error.message).toMatch(/redirected too often: Switchboard follows 3 at most/);
    expect(target.requests).toHaveLength(4);
  });

  it('fails with redirect when Location is missing or unusable', async () => {
    const target = await server(redirecting({ '/none': [301, undefined], '/bad': [301, 'http://[not-an-ip/'] }));
    const missing = await rejectionOf(client().get(`${target.origin}/none`));
    expect(missing.kind).toBe('redirect');
    expect(missing.message).toMatch(/answered 301 without a Location header/);
    const bad = await rejectionOf(client().get(`${target.origin}/bad`));
    expect(bad.kind).toBe('redirect');
    expect(bad.message).toMatch(/not a valid URL/);
  });

  it('refuses a redirect into a blocked range, even in development mode', async () => {
    const target = await server(redirecting({ '/go': [302, 'http://169.254.169.254/latest/meta-data/'] }));
    const error = await rejectionOf(client().get(`${target.origin}/go`));
    expect(error.kind).toBe('blocked');
    expect(error.message).toBe(
      'Refused to call GET http://169.254.169.254/latest/meta-data/ ' +
        `(redirected from ${target.origin}/go): 169.254.169.254 is the cloud instance-metadata address (169.254.169.254/32).`,
    );
  });

  it('does not follow redirects of a POST: the body stays where it was sent', async () => {
    const elsewhere = await server(redirecting({}));
    const target = await server(redirecting({ '/pull': [307, `${elsewhere.origin}/pull`] }));
    const response = await client().postForm(`${target.origin}/pull`, { metadata: 'm' });
    expect(response.status).toBe(307);
    expect(elsewhere.requests).toHaveLength(0);
  });
});
