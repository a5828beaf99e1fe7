import type { ServerResponse } from 'node:http';

/**
 * A Server-Sent Events answer on a raw response (the route has hijacked the reply): the
 * headers, `id:`/`data:` frames, a comment line every `heartbeatMs` so proxies and load
 * balancers do not close an idle stream, and backpressure: {@link send} resolves once the
 * socket has taken the frames, so a slow client is read for no faster than it reads.
 */
export class SseStream {
  private heartbeat: NodeJS.Timeout | undefined;
  private lastId = -1;
  private ended = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    private readonly raw: ServerResponse,
    private readonly options: {
      heartbeatMs: number;
      headers: Record<string, string>;
      /** The revision the client may resume after: sent as a bare `id:` with a heartbeat when it moved. */
      progress: () => number;
    },
  ) {
    raw.on('close', () => this.finish());
    // The client may have gone while the stream was being set up: its 'close' is past.
    if (raw.destroyed || raw.socket?.destroyed !== false) this.finish();
  }

  /** True once the stream ended, from either side. */
  get closed(): boolean {
    return this.ended;
  }

  /** Called once, when the client goes away or the server ends the stream. */
  onClose(listener: () => void): void {
    if (this.ended) listener();
    else this.closeListeners.push(listener);
  }

  open(): void {
    if (this.ended) return;
    this.raw.writeHead(200, {
      ...this.options.headers,
      'content-type': 'text/event-stream; charset=utf-8',
      // no-transform: a compressing proxy would hold events back to fill its buffers.
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    // Sent at once so the client knows the stream is open; `retry` is EventSource's reconnect delay.
    this.raw.write('retry: 1000\n: connected\n\n');
    this.heartbeat = setInterval(() => {
      // A client that is not reading needs no heartbeat: its connection is not idle.
      if (this.raw.writableNeedDrain) return;
      // An `id:` without `data:` dispatches no event but moves EventSource's Last-Event-ID.
      const progress = this.options.progress();
      if (progress > this.lastId) {
        this.lastId = progress;
        this.raw.write(`: heartbeat\nid: ${progress}\n\n`);
      } else this.raw.write(': heartbeat\n\n');
    }, this.options.heartbeatMs);
  }

  /** Writes one event per item; resolves when the socket can take more (or the stream closed). */
  send(events: readonly { id: number; data: string }[]): Promise<void> {
    if (this.ended) return Promise.resolve();
    let text = '';
    for (const event of events) text += `id: ${event.id}\ndata: ${event.data}\n\n`;
    if (events.length > 0) this.lastId = Math.max(this.lastId, events.at(-1)!.id);
    if (this.raw.write(text)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.raw.off('drain', done);
        this.raw.off('close', done);
        resolve();
      };
      this.raw.on('drain', done);
      this.raw.on('close', done);
    });
  }

  /** Ends the stream from the server's side (shutdown, a failed read): the client reconnects. */
  end(): void {
    if (!this.ended && !this.raw.writableEnded) this.raw.end();
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
