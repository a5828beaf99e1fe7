/**
 * The channelback benchmark's integration service: a bare `node:http` server that answers
 * every `POST /channelback` with a new `external_id`, `GET /manifest.json` with a manifest
 * pointing at it, and `GET /stats` with how many channelbacks it answered (and how many
 * request_unique_identifiers it saw twice). Prints `listening on URL` when ready.
 *
 * Run: `node --import tsx bench/channels/channelback-integration.ts` (pinned to core 1).
 */
import { createServer } from 'node:http';

let channelbacks = 0;
let repeated = 0;
const seen = new Set<string>();
const rui = /(?:^|&)request_unique_identifier=([^&]*)/;
const manifest = JSON.stringify({
  name: 'Bench Channelback',
  id: 'com.example.bench-channelback',
  urls: { admin_ui: './admin_ui', channelback_url: './channelback' },
});

const server = createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/channelback') {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      channelbacks++;
      // The baseline sends one body over and over: only Switchboard's are counted as repeats.
      const id = rui.exec(body)?.[1];
      if (id && !id.startsWith('raw-')) {
        if (seen.has(id)) repeated++;
        seen.add(id);
      }
      const answer = `{"external_id":"cb-${process.pid}-${channelbacks}"}`;
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
      response.end(answer);
    });
    return;
  }
  if (request.method === 'GET' && request.url === '/manifest.json') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(manifest);
    return;
  }
  if (request.method === 'GET' && request.url === '/stats') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ channelbacks, repeated }));
    return;
  }
  request.resume();
  response.writeHead(404).end();
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
