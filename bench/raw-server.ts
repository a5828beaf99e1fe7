/**
 * The baseline: a plain node:http server that answers every request with the same bytes
 * Switchboard answered (status, body, content type), read as JSON on stdin. Whatever it
 * manages is the ceiling for this machine, this Node and this load generator.
 *
 *   echo '{"status":200,"contentType":"application/json","bodyBase64":"..."}' | node --import tsx bench/raw-server.ts
 */
import { createServer } from 'node:http';
import { text } from 'node:stream/consumers';

export interface CapturedResponse {
  status: number;
  contentType: string;
  bodyBase64: string;
}

const captured = JSON.parse(await text(process.stdin)) as CapturedResponse;
const body = Buffer.from(captured.bodyBase64, 'base64');
const headers = { 'content-type': captured.contentType, 'content-length': String(body.length) };

const server = createServer((request, response) => {
  // Read (and drop) any request body, as a real handler must before answering.
  request.resume();
  request.on('end', () => {
    response.writeHead(captured.status, headers);
    response.end(body);
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`raw node:http listening on http://127.0.0.1:${port}\n`);
});

process.once('SIGTERM', () => server.close());
