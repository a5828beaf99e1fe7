import { afterEach, describe, expect, it } from 'vitest';
import { OutboundClient, type OutboundClientOptions } from '../../../src/channels/outbound/outbound-client.js';
import { rejectionOf, startServer, type Handler, type LoopbackServer } from './loopback-server.js';
import { TEST_CERT } from './tls-fixture.js';

/*
 * Production mode calls only public https addresses, and a test has no public server.
 * So the servers here listen on loopback with a self-signed certificate, and the tests
 * that need a call to succeed open exactly one loopback address with `extraAllowed`
 * (the same option operators use for integrations on a private network). The server
 * meant to be refused listens on a different loopback address that stays blocked; that
 * Linux routes all of 127.0.0.0/8 to loopback is what makes two addresses available.
 */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function httpsServer(handler: Handler, host = '127.0.0.1'): Promise<LoopbackServer> {
  const started = await startServer(handler, { tls: true, host });
  cleanups.push(started.close);
  return started;
}

function client(options: Partial<OutboundClientOptions> = {}): OutboundClient {
  const created = new OutboundClient({ mode: 'production', timeoutMs: 5000, extraCa: [TEST_CERT], ...options });
  cleanups.push(() => created.close());
  return created;
}

const ok: Handler = (_seen, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');

describe('OutboundClient in production mode', () => {
  it('refuses plain http', async () => {
    const error = await rejectionOf(client().get('http://example.com/manifest.json'));
    expect(error.kind).toBe('blocked');
    expect(error.message).toBe(
      'Refused to call GET http://example.com/manifest.json: production mode calls only https URLs; use https://.',
    );
  });

  it('refuses https://127.0.0.1 as blocked, before connecting', async () => {
    const target = await httpsServer(ok);
    const error = await rejectionOf(client().postForm(`${target.origin}/pull`, { metadata: 'TOP-SECRET' }));
    expect(error.kind).toBe('blocked');
    expect(error.message).toBe(
      `Refused to call POST ${target.origin}/pull: 127.0.0.1 is a loopback address (127.0.0.0/8); ` +
        'loopback may be called only in development mode.',
    );
    expect(error.message).not.toContain('TOP-SECRET');
    expect(target.connections()).toBe(0);
  });

  it('refuses a host name that resolves to loopback, on the resolved address', async () => {
    const target = await httpsServer(ok);
    const error = await rejectionOf(client().get(`https://localhost:${target.port}/manifest.json?key=abc`));
    expect(error.kind).toBe('blocked');
    // localhost passes the URL check (it is a name); only its resolved address gives it away.
    expect(error.message).toMatch(
      new RegExp(
        `^Refused to call GET https://localhost:${target.port}/manifest\\.json\\?…: ` +
          'localhost resolved to (127\\.0\\.0\\.1|::1), and \\1 is (a|the) loopback address',
      ),
    );
    expect(error.message).not.toContain('key=abc');
    expect(target.connections()).toBe(0);
  });

  it('calls an https server whose address the allow-list opens', async () => {
    const target = await httpsServer(ok);
    const response = await client({ extraAllowed: ['127.0.0.1/32'] }).get(`${target.origin}/manifest.json`);
    expect(response).toMatchObject({ status: 200, body: '{"ok":true}' });
  });

  it('fails with network on an untrusted certificate', async () => {
    const target = await httpsServer(ok);
    const error = await rejectionOf(client({ extraAllowed: ['127.0.0.1/32'], extraCa: [] }).get(target.origin));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/TLS handshake with 127\.0\.0\.1:\d+ failed/);
  });

  describe('redirects from an allowed server', () => {
    // The allowed server is 127.0.0.2; the blocked one is 127.0.0.1 (and localhost).
    const options = { extraAllowed: ['127.0.0.2/32'] };

    // A blocked server on 127.0.0.1, and an allowed one on 127.0.0.2 that redirects as `location` says.
    async function servers(location: (blocked: LoopbackServer) => string) {
      const blocked = await httpsServer(ok, '127.0.0.1');
      const allowed = await httpsServer(
        (_seen, res) => res.writeHead(301, { location: location(blocked) }).end(),
        '127.0.0.2',
      );
      return { blocked, allowed };
    }

    it('refuses a redirect to a blocked IP literal, before connecting', async () => {
      const { blocked, allowed } = await servers((b) => `${b.origin}/manifest.json`);
      const error = await rejectionOf(client(options).get(`${allowed.origin}/manifest.json`));
      expect(error.kind).toBe('blocked');
      expect(error.message).toMatch(
        `Refused to call GET ${blocked.origin}/manifest.json (redirected from ${allowed.origin}/manifest.json): ` +
          '127.0.0.1 is a loopback address',
      );
      expect(allowed.requests).toHaveLength(1);
      expect(blocked.connections()).toBe(0);
    });

    it('refuses a redirect to a host name that resolves to a blocked address', async () => {
      const { blocked, allowed } = await servers((b) => `https://localhost:${b.port}/manifest.json`);
      const error = await rejectionOf(client(options).get(`${allowed.origin}/manifest.json`));
      expect(error.kind).toBe('blocked');
      expect(error.message).toMatch(
        /\(redirected from https:\/\/127\.0\.0\.2:\d+\/manifest\.json\): localhost resolved/,
      );
      expect(blocked.connections()).toBe(0);
    });

    it('refuses a redirect down to plain http', async () => {
      const { allowed } = await servers(() => 'http://127.0.0.2/manifest.json');
      const error = await rejectionOf(client(options).get(`${allowed.origin}/manifest.json`));
      expect(error.kind).toBe('blocked');
      expect(error.message).toMatch(/only https/);
    });

    it('follows a redirect that stays on allowed ground', async () => {
      const final = await httpsServer(ok, '127.0.0.2');
      const allowed = await httpsServer(
        (_seen, res) => res.writeHead(308, { location: `${final.origin}/v2/manifest.json` }).end(),
        '127.0.0.2',
      );
      const response = await client(options).get(`${allowed.origin}/manifest.json`);
      expect(response).toMatchObject({ status: 200, url: `${final.origin}/v2/manifest.json` });
    });
  });
});
