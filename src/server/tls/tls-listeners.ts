import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { Server } from 'node:http';
import type { Settings } from '../../settings.js';
import { createForwardProxy } from './forward-proxy.js';
import { loadTlsMaterial } from './tls-material.js';

/** The settings the HTTPS port and the forward proxy are started from. */
export type TlsListenerSettings = Pick<
  Settings,
  'tls' | 'baseDomain' | 'publicUrl' | 'dataDir' | 'host' | 'connections' | 'mode' | 'outboundAllow'
>;

/** HTTPS and the proxy, listening; `close` stops them accepting (the app's server holds the connections). */
export interface TlsListeners {
  httpsUrl: string;
  httpsPort: number;
  proxyUrl: string | undefined;
  proxyPort: number | undefined;
  /** The local CA's certificate, for clients to trust; undefined with a given certificate. */
  caCertPath: string | undefined;
  close: () => Promise<void>;
}

function urlOf(scheme: string, host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `${scheme}://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

function listen(server: TlsServer | Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

const closeServer = (server: TlsServer | Server) =>
  new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));

/**
 * Serves the app over HTTPS (and, when asked, the forward proxy) beside its plain HTTP
 * port. Each TLS connection, once its handshake is done, is handed to the app's own HTTP
 * server (`emit('connection')`), so it meets the same routes, the config-read fast lane,
 * timeouts, per-client limits and shutdown as a plain connection: one server, two doors.
 */
export async function startTlsListeners(app: FastifyInstance, settings: TlsListenerSettings): Promise<TlsListeners> {
  const material = await loadTlsMaterial(settings);
  const secureContext = createSecureContext({ cert: material.certPem, key: material.keyPem, minVersion: 'TLSv1.2' });
  const appServer: Server = app.server;
  const https = createTlsServer({
    cert: material.certPem,
    key: material.keyPem,
    minVersion: 'TLSv1.2',
    ALPNProtocols: ['http/1.1'],
    handshakeTimeout: settings.connections.headersTimeoutMs,
  });
  https.maxConnections = settings.connections.maxConnections;
  https.on('secureConnection', (socket) => appServer.emit('connection', socket));
  // A failed handshake has nobody to answer in HTTP; the socket is closed (tls's default).
  https.on('tlsClientError', (_error, socket) => socket.destroy());
  const httpsPort = await listen(https, settings.tls.httpsPort, settings.host);

  let proxy: Server | undefined;
  let proxyPort: number | undefined;
  if (settings.tls.proxyPort !== undefined) {
    proxy = createForwardProxy({
      appServer,
      log: app.log,
      secureContext,
      served: settings,
      passthrough: settings.tls.proxyPassthrough,
      mode: settings.mode,
      outboundAllow: settings.outboundAllow,
      connections: settings.connections,
    });
    proxyPort = await listen(proxy, settings.tls.proxyPort, settings.host).catch(async (error: unknown) => {
      await closeServer(https);
      throw error;
    });
  }
  return {
    httpsUrl: urlOf('https', settings.host, httpsPort),
    httpsPort,
    proxyUrl: proxyPort === undefined ? undefined : urlOf('http', settings.host, proxyPort),
    proxyPort,
    caCertPath: material.caCertPath,
    close: async () => {
      proxy?.closeAllConnections();
      await Promise.all([closeServer(https), proxy ? closeServer(proxy) : undefined]);
    },
  };
}
