import { connect } from 'node:net';

/** What came back on a raw connection: the status line's code, the headers' text, the body, and how long it took. */
export interface RawAnswer {
  status: number | undefined;
  head: string;
  body: string;
  /** Whether the server closed the connection (rather than the client giving up). */
  closedByServer: boolean;
  ms: number;
}

/**
 * Writes bytes to the server as a client of its own making would (malformed, slow,
 * oversized), and reads until the server closes or `timeoutMs` passes. `chunks` are sent
 * `gapMs` apart; the first at once.
 */
export function rawRequest(
  baseUrl: string,
  chunks: (string | Buffer)[],
  options: { gapMs?: number; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  const { port, hostname } = new URL(baseUrl);
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    let sender: NodeJS.Timeout | undefined;
    const finish = (closedByServer: boolean) => {
      clearTimeout(timer);
      clearInterval(sender);
      socket.destroy();
      const split = received.indexOf('\r\n\r\n');
      const head = split === -1 ? received : received.slice(0, split);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
      resolve({
        status: status === undefined ? undefined : Number(status),
        head,
        body: split === -1 ? '' : received.slice(split + 4),
        closedByServer,
        ms: Date.now() - started,
      });
    };
    socket.on('data', (data) => (received += data.toString('utf8')));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    const timer = setTimeout(() => finish(false), options.timeoutMs ?? 10_000);
    const queue = [...chunks];
    socket.on('connect', () => {
      socket.write(queue.shift()!);
      if (queue.length > 0) {
        sender = setInterval(() => {
          const next = queue.shift();
          if (next === undefined || socket.destroyed) clearInterval(sender);
          else socket.write(next);
        }, options.gapMs ?? 0);
      }
    });
  });
}
