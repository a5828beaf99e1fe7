// A heartbeat says "nothing new", so a stream sends one only while its view of the feed is
// current; while it is not, the heartbeat waits for a fresh read. A stream whose reads fail
// ends with an `error` event carrying the API's error envelope. SseStream on a real HTTP server.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SseStream } from '../../../src/zis/changes/sse-stream.js';
import { openSse } from './sse-client.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SseStream heartbeats and errors', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** A server whose one route is a stream with the given view of the feed. */
  async function serve(view: { current: boolean; staleCalls: number }) {
    let stream: SseStream | undefined;
    server = createServer((_request, response) => {
      stream = new SseStream(response, {
        heartbeatMs: 20,
        headers: {},
        progress: () => 7,
        current: () => view.current,
        onStale: () => (view.staleCalls += 1),
      });
      stream.open();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const client = await openSse(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return { client, stream: () => stream! };
  }

  it('sends no heartbeat while the view is stale, asks for a read instead, and sends it once the read answers', async () => {
    const view = { current: false, staleCalls: 0 };
    const { client, stream } = await serve(view);
    await sleep(200);
    expect(client.comments).toEqual(['connected']);
    expect(view.staleCalls).toBeGreaterThan(2);

    // The read answered: the heartbeat that waited goes out at once, with the progress id.
    view.current = true;
    stream().heartbeatIfDue();
    await client.waitForComment('heartbeat', 1000);
    expect(client.lastId()).toBe(7);
    client.close();
  });

  it('ends with an error event whose data is the error envelope', async () => {
    const view = { current: true, staleCalls: 0 };
    const { client, stream } = await serve(view);
    await client.waitForComment('heartbeat', 1000);
    const envelope = {
      errors: [{ code: '1110', detail: 'The database is unavailable; retry shortly.', status: '503' }],
    };
    stream().fail(envelope);
    await client.closed;
    expect(client.errors).toEqual([envelope]);
    expect(client.events).toEqual([]);
    expect(stream().closed).toBe(true);
  });
});
