/**
 * The pull benchmark's integration service: a bare `node:http` server that answers every
 * `POST /pull` with one new external resource (a unique external id: this process's pid
 * and a counter) and a new `state`, and `GET /manifest.json` with a manifest pointing at
 * it (after BENCH_PULL_DELAY_MS, if set, like an integration that calls a remote API
 * before answering). `GET /stats` tells how many pulls it answered. Prints `listening on URL` when ready.
 *
 * Run: `node --import tsx bench/pull/integration.ts` (the benchmark pins it to core 1).
 */
import { createServer } from 'node:http';

/** Answer each pull after this many ms, like an integration calling a remote API (default 0). */
const delayMs = Number(process.env.BENCH_PULL_DELAY_MS ?? 0);
let pulls = 0;
const prefix = `r${process.pid}-`;
const manifest = JSON.stringify({
  name: 'Bench Pull Channel',
  id: 'com.example.bench-pull',
  version: '1.0',
  urls: { admin_ui: './admin_ui', pull_url: './pull' },
});

const server = createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/pull') {
    // Read the form body to its end, as a real integration would, then answer.
    request.on('data', () => {});
    request.on('end', () => {
      pulls++;
      const body =
        `{"external_resources":[{"external_id":"${prefix}${pulls}","message":"Message ${pulls}",` +
        `"created_at":"2024-01-01T12:00:00Z","author":{"external_id":"author-1","name":"Author"}}],` +
        `"state":"${pulls}"}`;
      const answer = () => {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        response.end(body);
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
    return;
  }
  if (request.method === 'GET' && request.url === '/manifest.json') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(manifest);
    return;
  }
  if (request.method === 'GET' && request.url === '/stats') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ pulls }));
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
