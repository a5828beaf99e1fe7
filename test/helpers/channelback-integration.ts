import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** One channelback as the integration received it. */
export interface ChannelbackSeen {
  /** Every form field in order; `file_urls[]` repeats. */
  pairs: [string, string][];
  /** The last value of each field. */
  fields: Record<string, string>;
  raw: string;
  headers: IncomingMessage['headers'];
  /** The sender's port: which process sent it. */
  remotePort: number;
  /** The port it was sent to (this integration's), so the sender's socket is told apart from another with its port. */
  localPort: number;
}

export type IntegrationAnswer = { status?: number; body: string | object; hold?: Promise<unknown> };

export function channelbackManifest(extra: { urls?: Record<string, string>; [key: string]: unknown } = {}) {
  const { urls, ...rest } = extra;
  return {
    name: 'Reply Channel',
    id: 'com.example.reply',
    version: '1.0',
    ...rest,
    urls: {
      admin_ui: './admin_ui',
      pull_url: './pull',
      channelback_url: './channelback',
      clickthrough_url: './clickthrough',
      ...urls,
    },
  };
}

/**
 * A real local integration service for channelback tests: serves a manifest (settable),
 * answers pulls with `onPull`, and records every channelback (form fields, raw body,
 * headers) before answering it with `onChannelback`.
 */
export async function startChannelbackIntegration(manifest: object = channelbackManifest()) {
  const channelbacks: ChannelbackSeen[] = [];
  let current: object = manifest;
  let counter = 0;
  let onChannelback: (seen: ChannelbackSeen) => IntegrationAnswer | Promise<IntegrationAnswer> = () => ({
    body: { external_id: `reply-${++counter}` },
  });
  let onPull: () => IntegrationAnswer = () => ({ body: { external_resources: [] } });

  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    const url = new URL(request.url!, 'http://x');
    const answer = async (given: IntegrationAnswer) => {
      if (given.hold) await given.hold;
      const body = typeof given.body === 'string' ? given.body : JSON.stringify(given.body);
      if (!response.destroyed)
        response.writeHead(given.status ?? 200, { 'content-type': 'application/json' }).end(body);
    };
    if (url.pathname === '/integration/manifest.json') return answer({ body: current });
    if (url.pathname === '/integration/pull' && request.method === 'POST') return answer(onPull());
    if (url.pathname === '/integration/channelback' && request.method === 'POST') {
      const pairs = [...new URLSearchParams(raw)] as [string, string][];
      const seen = {
        pairs,
        fields: Object.fromEntries(pairs),
        raw,
        headers: request.headers,
        remotePort: request.socket.remotePort!,
        localPort: request.socket.localPort!,
      };
      channelbacks.push(seen);
      return answer(await onChannelback(seen));
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    manifestUrl: `${base}/integration/manifest.json`,
    channelbacks,
    setManifest: (next: object) => {
      current = next;
    },
    answerChannelbacks: (handler: typeof onChannelback) => {
      onChannelback = handler;
    },
    answerPulls: (handler: typeof onPull) => {
      onPull = handler;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
