import { afterEach, describe, expect, it } from 'vitest';
import { OutboundClient, type OutboundClientOptions } from '../../../src/channels/outbound/outbound-client.js';
import { OutboundError } from '../../../src/channels/outbound/outbound-error.js';
import { verifySignature } from '../../../src/channels/outbound/signature.js';
import { closedPort, rejectionOf, startServer, type LoopbackServer } from './loopback-server.js';

const NOW = new Date('2030-01-02T03:04:05Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const SECRET = 'integration-secret';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(handler: Parameters<typeof startServer>[0]): Promise<LoopbackServer> {
  const started = await startServer(handler);
  cleanups.push(started.close);
  return started;
}

function client(options: Partial<OutboundClientOptions> = {}): OutboundClient {
  const created = new OutboundClient({ mode: 'development', clock: () => NOW, ...options });
  cleanups.push(() => created.close());
  return created;
}

const okJson = (_seen: unknown, res: import('node:http').ServerResponse) => {
  res.setHeader('content-type', 'application/json');
  res.end('{"external_resources":[],"state":"{}"}');
};

function drainedOrClosed(res: import('node:http').ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

describe('OutboundClient in development mode', () => {
  it('POSTs a signed form to a loopback server', async () => {
    const target = await server(okJson);
    const fields = { metadata: '{"token":"s3cr3t"}', state: '{}', locale: 'en & fr' };
    const response = await client({ userAgent: 'Switchboard/test' }).postForm(`${target.origin}/pull?x=1`, fields, {
      signingSecret: SECRET,
      requestId: 'req-123',
    });

    expect(response).toEqual({
      status: 200,
      headers: expect.objectContaining({ 'content-type': 'application/json' }),
      body: '{"external_resources":[],"state":"{}"}',
      url: `${target.origin}/pull?x=1`,
    });
    const [seen] = target.requests;
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/pull?x=1');
    expect(seen?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen?.headers['user-agent']).toBe('Switchboard/test');
    expect(seen?.headers['x-switchboard-request-id']).toBe('req-123');
    expect(Object.fromEntries(new URLSearchParams(seen?.body))).toEqual(fields);

    const signature = seen?.headers['x-switchboard-signature'] as string;
    expect(signature).toMatch(new RegExp(`^t=${NOW_SECONDS},v1=[0-9a-f]{64}$`));
    expect(verifySignature(SECRET, seen!.body, signature, NOW_SECONDS)).toBe(true);
    // Tampering with the body, or replaying it later, fails verification.
    expect(verifySignature(SECRET, seen!.body.replace('s3cr3t', 's3cr3T'), signature, NOW_SECONDS)).toBe(false);
    expect(verifySignature(SECRET, seen!.body, signature, NOW_SECONDS + 301)).toBe(false);
    expect(verifySignature('another-secret', seen!.body, signature, NOW_SECONDS)).toBe(false);
  });

  it('POSTs JSON, unsigned without a secret, with a fresh request id each time', async () => {
    const target = await server((_seen, res) => res.writeHead(204).end());
    const outbound = client();
    const response = await outbound.postJson(`${target.origin}/events`, { events: [{ type: 'resources_created' }] });
    await outbound.postJson(`${target.origin}/events`, { events: [] });

    expect(response.status).toBe(204);
    const [first, second] = target.requests;
    expect(first?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(first!.body)).toEqual({ events: [{ type: 'resources_created' }] });
    expect(first?.headers['x-switchboard-signature']).toBeUndefined();
    expect(first?.headers['x-switchboard-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(second?.headers['x-switchboard-request-id']).not.toBe(first?.headers['x-switchboard-request-id']);
  });

  it('returns error statuses as responses', async () => {
    const target = await server((_seen, res) => res.writeHead(500, { 'x-why': 'boom' }).end('broken'));
    const response = await client().postForm(`${target.origin}/pull`, {});
    expect(response).toMatchObject({ status: 500, body: 'broken', headers: { 'x-why': 'boom' } });
  });

  it('reuses one kept-alive connection for sequential requests', async () => {
    const target = await server(okJson);
    const outbound = client();
    await outbound.postForm(`${target.origin}/pull`, { state: '1' });
    await outbound.get(`${target.origin}/manifest.json`);
    await outbound.postJson(`${target.origin}/events`, {});
    expect(target.requests).toHaveLength(3);
    expect(target.connections()).toBe(1);
  });

  it('fails with timeout when the server never answers, close to timeoutMs', async () => {
    const target = await server(() => undefined);
    const started = Date.now();
    const error = await rejectionOf(
      client({ timeoutMs: 200 }).postForm(`${target.origin}/pull`, { metadata: 'TOP-SECRET-METADATA' }),
    );
    const elapsed = Date.now() - started;

    expect(error).toBeInstanceOf(OutboundError);
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe(`POST ${target.origin}/pull timed out: no complete response within 200 ms.`);
    expect(error.message).not.toContain('TOP-SECRET-METADATA');
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1500);
  });

  it('fails with timeout when the body trickles past the deadline', async () => {
    const target = await server((_seen, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('.'), 20);
      res.on('close', () => clearInterval(timer));
    });
    const error = await rejectionOf(client({ timeoutMs: 300 }).get(`${target.origin}/manifest.json`));
    expect(error.kind).toBe('timeout');
  });

  it('fails with too_large on a 10 MiB stream, and stops reading early', async () => {
    let written = 0;
    let closedEarly = false;
    const target = await server(async (_seen, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }); // chunked: no length to refuse up front
      const chunk = Buffer.alloc(64 * 1024, 'x');
      res.on('close', () => (closedEarly = !res.writableFinished));
      while (written < 10 * 1024 * 1024 && !res.destroyed) {
        if (!res.write(chunk)) await drainedOrClosed(res);
        written += chunk.length;
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    });
    const error = await rejectionOf(client().get(`${target.origin}/big`));

    expect(error.kind).toBe('too_large');
    expect(error.message).toBe(
      `GET ${target.origin}/big answered with a body over 2 MiB, the most Switchboard reads; reading stopped there.`,
    );
    await expect.poll(() => closedEarly).toBe(true);
    expect(written).toBeLessThan(10 * 1024 * 1024);
  });

  it('refuses a declared Content-Length over the cap without reading, and accepts exactly the cap', async () => {
    const target = await server((seen, res) => {
      const size = seen.url === '/over' ? 1025 : 1024;
      res.writeHead(200, { 'content-length': size }).end('y'.repeat(size));
    });
    const outbound = client({ maxResponseBytes: 1024 });
    expect((await outbound.get(`${target.origin}/exact`)).body).toHaveLength(1024);
    expect((await rejectionOf(outbound.get(`${target.origin}/over`))).kind).toBe('too_large');
  });

  it('fails with network when nothing listens, naming the address and never the body', async () => {
    const port = await closedPort();
    const error = await rejectionOf(client().postForm(`http://127.0.0.1:${port}/pull`, { metadata: 'TOP-SECRET' }));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(`POST http://127.0.0.1:${port}/pull failed: connection refused by 127.0.0.1:${port}`);
    expect(error.message).not.toContain('TOP-SECRET');
  });

  it('fails with network when the host name does not resolve', async () => {
    const error = await rejectionOf(client({ timeoutMs: 5000 }).get('http://no-such-host.invalid/manifest.json'));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/could not resolve the host name no-such-host\.invalid/);
  });

  it('fails with network when the server hangs up mid-response', async () => {
    const target = await server((_seen, res) => {
      res.writeHead(200, { 'content-length': 100 });
      res.write('partial');
      res.socket?.destroy();
    });
    expect((await rejectionOf(client().get(`${target.origin}/manifest.json`))).kind).toBe('network');
  });

  it('still refuses private, link-local and unspecified addresses, before connecting', async () => {
    const outbound = client({ timeoutMs: 1000 });
    for (const url of ['http://10.0.0.1/pull', 'http://169.254.169.254/latest/meta-data/', 'http://0.0.0.0:8080/']) {
      const error = await rejectionOf(outbound.get(url));
      expect(error.kind).toBe('blocked');
      expect(error.message).toMatch(/^Refused to call GET http:\/\/[\d.]+(:\d+)?\/\S*: [\d.]+ is /);
    }
  });
});
