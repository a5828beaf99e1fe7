// A TCP proxy a fault test puts between Switchboard and PostgreSQL. It can reset every
// connection (a crash or a failover's hard cut), go silent (packets dropped: the sockets stay
// open and nothing moves either way, as a broken network path or a frozen server looks), and
// be retargeted (an endpoint that moves to another server, as HA managers do).

import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** Where the proxy sends new connections, and what it does with bytes meanwhile. */
export type ProxyMode = 'forward' | 'silent';

export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  /** The same URL with the proxy's port in place of the server's (`postgres://…@127.0.0.1:PORT/db`). */
  urlThrough(url: string): string;
  /** Connections open through the proxy now (client side). */
  openConnections(): number;
  /** The local ports of the proxy's own connections to the server: the client ports the server sees. */
  upstreamPorts(): Set<number>;
  /** Destroys every open connection with a TCP reset; new ones are accepted as before. */
  resetAll(): void;
  /**
   * From now on nothing is forwarded either way and new connections are accepted but get no
   * answer, while every socket stays open: a silent path. `forward()` ends it (held bytes
   * are dropped, as a lossy path loses them; the peers' own timeouts decide what happens).
   */
  silence(): void;
  /** Forwarding again, for new connections and for the open ones. */
  forward(): void;
  /** New connections go to this port; open ones stay where they are (reset them to move them). */
  retarget(port: number): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  server: Socket;
}

/**
 * A proxy on a free loopback port to `127.0.0.1:targetPort`. With `latencyMs`, each chunk is
 * forwarded that much later either way (a slow path: a transaction then spends most of its
 * time between round trips, where a fault test wants to catch it).
 */
export async function startTcpProxy(targetPort: number, options: { latencyMs?: number } = {}): Promise<TcpProxy> {
  let target = targetPort;
  let mode: ProxyMode = 'forward';
  const pairs = new Set<Pair>();
  const quiet = (socket: Socket) => socket.on('error', () => {});

  const server: Server = createServer((client) => {
    quiet(client);
    const upstream = connect({ host: '127.0.0.1', port: target });
    quiet(upstream);
    const pair: Pair = { client, server: upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    // Bytes move only while forwarding; in silence they are dropped (a lossy path).
    // A chunk still on its way when the path goes silent is dropped too. Timers of one delay
    // fire in order, so bytes keep their order.
    const pass = (to: Socket) => (chunk: Buffer) => {
      if (!options.latencyMs) {
        if (mode === 'forward') to.write(chunk);
      } else {
        setTimeout(() => mode === 'forward' && !to.destroyed && to.write(chunk), options.latencyMs);
      }
    };
    client.on('data', pass(upstream));
    upstream.on('data', pass(client));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    urlThrough(url: string) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    openConnections: () => pairs.size,
    upstreamPorts: () => new Set([...pairs].map((pair) => pair.server.localPort).filter((port) => port !== undefined)),
    resetAll() {
      for (const pair of [...pairs]) {
        pair.client.resetAndDestroy();
        pair.server.resetAndDestroy();
        pairs.delete(pair);
      }
    },
    silence() {
      mode = 'silent';
    },
    forward() {
      mode = 'forward';
    },
    retarget(newPort: number) {
      target = newPort;
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.server.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
