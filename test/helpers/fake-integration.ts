import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface PullRequestSeen {
  fields: Record<string, string>;
  raw: string;
  headers: IncomingMessage['headers'];
}

export type PullAnswer = { status?: number; body: string | object; delayMs?: number };

/**
 * An integration service whose answers the test decides: a manifest (optionally behind a
 * 301), and a pull endpoint that records each request and answers with `onPull`.
 */
export async function startFakeIntegration(manifest: object = defaultManifest()) {
  const pulls: PullRequestSeen[] = [];
  let onPull: (request: PullRequestSeen) => PullAnswer | Promise<PullAnswer> = () => ({
    body: { external_resources: [] },
  });
  let currentManifest: object | string = manifest;

  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    const url = new URL(request.url!, 'http://x');
    if (url.pathname === '/old/manifest.json') {
      response.writeHead(301, { location: '/integration/manifest.json' }).end();
      return;
    }
    if (url.pathname === '/integration/manifest.json') {
      const body = typeof currentManifest === 'string' ? currentManifest : JSON.stringify(currentManifest);
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    if (url.pathname === '/integration/pull' && request.method === 'POST') {
      const seen = { fields: Object.fromEntries(new URLSearchParams(raw)), raw, headers: request.headers };
      pulls.push(seen);
      const answer = await onPull(seen);
      if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      if (!response.destroyed)
        response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    manifestUrl: `${base}/integration/manifest.json`,
    redirectingManifestUrl: `${base}/old/manifest.json`,
    pulls,
    answerPulls: (handler: typeof onPull) => {
      onPull = handler;
    },
    setManifest: (next: object | string) => {
      currentManifest = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function defaultManifest() {
  return {
    name: 'Fake Channel',
    id: 'com.example.fake',
    version: '1.0',
    urls: { admin_ui: './admin_ui', pull_url: './pull' },
  };
}

/** A valid external resource. */
export function resource(externalId: string, extra: Record<string, unknown> = {}) {
  return {
    external_id: externalId,
    message: `message ${externalId}`,
    created_at: '2024-01-01T12:00:00Z',
    author: { external_id: 'author-1', name: 'Author' },
    ...extra,
  };
}
