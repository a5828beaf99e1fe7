import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { TEST_CERT, TEST_KEY } from './tls-fixture.js';

/** What a test server saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  /** The raw body, exactly as received. */
  body: string;
}

/** A real server on a loopback address, for outbound-client tests. */
export interface LoopbackServer {
  /** `http://127.0.0.1:port` (or https), no trailing slash. */
  origin: string;
  port: number;
  /** TCP connections accepted so far. */
  connections: () => number;
  /** Requests seen so far, bodies complete. */
  requests: SeenRequest[];
  close: () => Promise<void>;
}

/** Answers one request; its body has already been read into `seen.body`. */
export type Handler = (seen: SeenRequest, res: ServerResponse, server: LoopbackServer) => unknown;

/**
 * Starts a server on `host` (127.0.0.1 unless told), plain http or (with `tls`) https
 * with the test certificate. Every request's body is read in full before `handler` runs.
 */
export async function startServer(
  handler: Handler,
  options: { tls?: boolean; host?: string } = {},
): Promise<LoopbackServer> {
  const host = options.host ?? '127.0.0.1';
  let connections = 0;
  const requests: SeenRequest[] = [];
  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const seen = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    };
    requests.push(seen);
    await handler(seen, res, server);
  };
  const http: Server = options.tls
    ? createHttpsServer({ cert: TEST_CERT, key: TEST_KEY }, onRequest)
    : createHttpServer(onRequest);
  // https emits 'secureConnection' too, but 'connection' (TCP) is what keep-alive saves.
  http.on('connection', () => connections++);
  await new Promise<void>((resolve) => http.listen(0, host, resolve));
  const port = (http.address() as AddressInfo).port;
  const server: LoopbackServer = {
    origin: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    connections: () => connections,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
  return server;
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = await startServer(() => undefined);
  await server.close();
  return server.port;
}

/** Runs `promise` expecting it to reject, and returns the rejection. */
export async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
