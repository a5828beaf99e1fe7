import type { FastifyBaseLogger } from 'fastify';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';
import { guardedLookup, RefusedAddressError } from '../../channels/outbound/guarded-lookup.js';
import { addressProblem, parseAllowList } from '../../channels/outbound/ssrf-guard.js';
import { answerClientError } from '../../http/client-errors.js';
import { BadRequest, envelopeOf, Forbidden, ServiceUnavailable, type ApiError } from '../../http/errors.js';
import type { Settings } from '../../settings.js';
import { connectTarget, isServedHost, type ServedHosts } from './served-hosts.js';

/** What the forward proxy needs: where to hand the requests it serves, and its rules. */
export interface ForwardProxyOptions {
  /** The app's HTTP server: TLS sockets and requests the proxy serves are handed to it. */
  appServer: Server;
  log: FastifyBaseLogger;
  /** The certificate presented for the served names (the same as HTTPS's). */
  secureContext: SecureContext;
  served: ServedHosts;
  /** Host names tunnelled as a plain TCP relay (development). */
  passthrough: readonly string[];
  mode: Settings['mode'];
  outboundAllow: readonly string[];
  connections: Settings['connections'];
}

const established = 'HTTP/1.1 200 Connection Established\r\n\r\n';

function rawRefusal(error: ApiError): string {
  const body = JSON.stringify(envelopeOf(error));
  const reason = { 400: 'Bad Request', 403: 'Forbidden', 503: 'Service Unavailable' }[error.statusCode] ?? 'Error';
  return (
    `HTTP/1.1 ${error.statusCode} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

function refuse(socket: Duplex, error: ApiError): void {
  if (socket.writable) socket.end(rawRefusal(error));
  else socket.destroy();
}

/**
 * A forward proxy for the vendor's host names (`HTTPS_PROXY=http://127.0.0.1:PORT`):
 *
 * - `CONNECT acme.zendesk.com:443`, a name Switchboard serves: TLS is terminated here with
 *   Switchboard's certificate and the decrypted connection handed to the app's server, as
 *   if it had come in on the HTTPS port (same routes, fast lane, per-client limits).
 *   Nothing is dialled; the port asked for does not matter.
 * - `CONNECT` to a host in `passthrough` (development): a plain TCP relay, under the
 *   outbound SSRF rules (every resolved address checked, the socket connects to those).
 * - `CONNECT` to anything else: 403, logged, nothing dialled. Never an open proxy.
 * - Absolute-form plain-HTTP requests (`GET http://acme.zendesk.com/…`) for a served name
 *   go to the app with the path and Host of the URL; others are refused the same way.
 */
export function createForwardProxy(options: ForwardProxyOptions): Server {
  const { appServer, log, secureContext, served, connections } = options;
  const allowed = parseAllowList(options.outboundAllow);
  const check = (ip: string) => addressProblem(ip, options.mode, allowed);
  const servedNames = describeServed(served);
  // IP literals are never served here: a CONNECT to an address is always a request to dial it.
  const serves = (host: string) => isIP(host) === 0 && isServedHost(host, served);
  const relays = new Set<Socket>();

  const server = createServer({
    headersTimeout: Math.min(connections.headersTimeoutMs, connections.requestTimeoutMs),
    requestTimeout: connections.requestTimeoutMs,
    keepAliveTimeout: connections.keepAliveTimeoutMs,
    connectionsCheckingInterval: 1000,
  });
  server.maxConnections = connections.maxConnections;
  server.on('clientError', answerClientError);

  const refusedHost = (client: string | undefined, target: string, how: string) => {
    log.warn({ client, target }, `forward proxy refused ${how}: not a host Switchboard serves`);
    return Forbidden(
      `This proxy serves only ${servedNames}; "${target}" is not one of them and SWITCHBOARD_PROXY_PASSTHROUGH does not list it. Nothing was dialled.`,
    );
  };

  server.on('connect', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const target = connectTarget(request.url ?? '');
    if (!target) {
      refuse(socket, BadRequest('CONNECT takes host:port, like CONNECT acme.zendesk.com:443.'));
      return;
    }
    if (serves(target.host)) {
      terminateTls(socket, head);
      return;
    }
    if (options.passthrough.includes(target.host)) {
      relay(socket, head, target.host, target.port);
      return;
    }
    refuse(socket, refusedHost(socket.remoteAddress, `${target.host}:${target.port}`, 'CONNECT'));
  });

  const terminateTls = (socket: Socket, head: Buffer) => {
    socket.write(established);
    if (head.length > 0) socket.unshift(head);
    const secure = new TLSSocket(socket, { isServer: true, secureContext, ALPNProtocols: ['http/1.1'] });
    // A client that never finishes the handshake is cut off like one that never sends headers.
    const handshakeTimer = setTimeout(() => secure.destroy(), connections.headersTimeoutMs);
    secure.on('error', () => secure.destroy());
    secure.once('close', () => clearTimeout(handshakeTimer));
    secure.once('secure', () => {
      clearTimeout(handshakeTimer);
      appServer.emit('connection', secure);
    });
  };

  const relay = (socket: Socket, head: Buffer, host: string, port: number) => {
    const literalProblem = isIP(host) ? check(host) : undefined;
    if (literalProblem !== undefined) {
      refuse(socket, Forbidden(`The passthrough host ${host} may not be reached: it is ${literalProblem}.`));
      return;
    }
    let connected = false;
    const upstream = netConnect({ host, port, lookup: guardedLookup(check) });
    relays.add(upstream);
    upstream.once('connect', () => {
      connected = true;
      socket.write(established);
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    upstream.on('error', (error) => {
      if (connected) socket.destroy();
      else if (error instanceof RefusedAddressError) {
        refuse(socket, Forbidden(`The passthrough host ${host} may not be reached: ${error.message}.`));
      } else {
        const code = (error as NodeJS.ErrnoException).code ?? error.message;
        refuse(socket, ServiceUnavailable(`The passthrough host ${host}:${port} could not be reached (${code}).`));
      }
    });
    upstream.once('close', () => {
      relays.delete(upstream);
      socket.destroy();
    });
    socket.once('close', () => upstream.destroy());
  };

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const url = absoluteHttpUrl(request.url ?? '');
    const answer = (error: ApiError) =>
      response
        .writeHead(error.statusCode, { 'content-type': 'application/json; charset=utf-8' })
        .end(JSON.stringify(envelopeOf(error)));
    if (!url) {
      answer(
        BadRequest(
          'This port is a forward proxy: send CONNECT host:443, or an absolute-form request (GET http://acme.zendesk.com/...). Call the HTTP or HTTPS port directly otherwise.',
        ),
      );
      return;
    }
    if (!serves(url.hostname)) {
      answer(refusedHost(request.socket.remoteAddress, url.host, 'an absolute-form request'));
      return;
    }
    request.url = url.pathname + url.search;
    request.headers.host = url.host;
    appServer.emit('request', request, response);
  });

  server.on('close', () => {
    for (const upstream of relays) upstream.destroy();
  });
  return server;
}

/** `http://host[:port]/path?query` of an absolute-form request line; undefined for any other form. */
function absoluteHttpUrl(target: string): URL | undefined {
  if (!/^http:\/\//i.test(target)) return undefined;
  try {
    const url = new URL(target);
    return url.username === '' && url.password === '' ? url : undefined;
  } catch {
    return undefined;
  }
}

function describeServed(served: ServedHosts): string {
  const names: string[] = [];
  if (served.baseDomain) names.push(`${served.baseDomain} and the names one label under it`);
  if (served.publicUrl) names.push(new URL(served.publicUrl).hostname);
  return names.length > 0 ? names.join(', ') : 'no names (set SWITCHBOARD_BASE_DOMAIN)';
}
