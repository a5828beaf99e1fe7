import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** One POST to the event callback URL, as received. */
export interface EventDelivery {
  raw: string;
  events: Record<string, any>[];
  headers: IncomingMessage['headers'];
  /** Arrival, epoch ms. */
  at: number;
  /** The sender's port: which process sent it. */
  remotePort: number;
  /** The port it was sent to (this integration's), so the sender's socket is told apart from another with its port. */
  localPort: number;
}

export type EventAnswer = { status: number } | { hold: Promise<number> };

/**
 * A local integration with an `event_callback_url`: it records every delivery and answers
 * as the test decides (a status, or a held request). Its pull endpoint answers `onPull`;
 * with `channelback`, its manifest has a `channelback_url` answered by `onChannelback`.
 */
export async function startEventIntegration(options: { events?: boolean; channelback?: boolean } = {}) {
  const deliveries: EventDelivery[] = [];
  /** Every channelback received, as its form fields. */
  const channelbacks: Record<string, string>[] = [];
  let onEvents: (delivery: EventDelivery) => EventAnswer = () => ({ status: 200 });
  let onPull: () => { status?: number; body: object } = () => ({ body: { external_resources: [] } });
  let onChannelback: () => { status?: number; body: object } = () => ({ body: { external_id: 'reply-1' } });
  const waiters: (() => void)[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    const path = new URL(request.url!, 'http://x').pathname;
    if (path === '/manifest.json') {
      const urls = {
        admin_ui: './admin_ui',
        pull_url: './pull',
        ...(options.events === false ? {} : { event_callback_url: './events' }),
        ...(options.channelback ? { channelback_url: './channelback' } : {}),
      };
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ name: 'Event Channel', id: 'com.example.events', urls }));
      return;
    }
    if (path === '/pull') {
      const answer = onPull();
      response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      return;
    }
    if (path === '/channelback' && request.method === 'POST') {
      channelbacks.push(Object.fromEntries(new URLSearchParams(raw)));
      const answer = onChannelback();
      response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      return;
    }
    if (path === '/events' && request.method === 'POST') {
      const delivery: EventDelivery = {
        raw,
        events: JSON.parse(raw).events,
        headers: request.headers,
        at: Date.now(),
        remotePort: request.socket.remotePort!,
        localPort: request.socket.localPort!,
      };
      deliveries.push(delivery);
      for (const wake of waiters.splice(0)) wake();
      const answer = onEvents(delivery);
      const status = 'hold' in answer ? await answer.hold : answer.status;
      if (!response.destroyed) response.writeHead(status).end();
      return;
    }
    response.writeHead(404).end();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  /** Every event received so far, in arrival order. */
  const received = () => deliveries.flatMap((delivery) => delivery.events);
  return {
    base,
    manifestUrl: `${base}/manifest.json`,
    deliveries,
    channelbacks,
    received,
    answerEvents: (handler: typeof onEvents) => {
      onEvents = handler;
    },
    answerPulls: (handler: typeof onPull) => {
      onPull = handler;
    },
    answerChannelbacks: (handler: typeof onChannelback) => {
      onChannelback = handler;
    },
    /** Resolves once `test` holds for what was received, or rejects after `timeoutMs`. */
    waitFor: async (test: (events: Record<string, any>[]) => boolean, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!test(received())) {
        if (Date.now() > deadline) throw new Error(`not received in ${timeoutMs} ms: ${JSON.stringify(received())}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return received();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
