import type { ServerResponse } from 'node:http';

/**
 * A Server-Sent Events answer on a raw response (the route has hijacked the reply): the
 * headers, `id:`/`data:` frames, a comment line every `heartbeatMs` so proxies and load
 * balancers do not close an idle stream, and backpressure: {@link send} resolves once the
 * socket has taken the frames, so a slow client is read for no faster than it reads.
 *
 * A heartbeat says "nothing new", so it goes out only while the stream's view of the feed
 * is `current`; when it is not, the heartbeat waits ({@link heartbeatIfDue}) for the fresh
 * read `onStale` asks for. A stream whose reads fail ends with an `error` event ({@link fail}).
 */
export class SseStream {
  private heartbeat: NodeJS.Timeout | undefined;
  private lastId = -1;
  private ended = false;
  private heartbeatDue = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    private readonly raw: ServerResponse,
    private readonly options: {
      heartbeatMs: number;
      headers: Record<string, string>;
      /** The revision the client may resume after: sent as a bare `id:` with a heartbeat when it moved. */
      progress: () => number;
      /** Whether the stream's view of the feed is recent enough for a heartbeat to vouch for it; always by default. */
      current?: () => boolean;
      /** A heartbeat is due and the view is not current: read again (then call {@link heartbeatIfDue}). */
      onStale?: () => void;
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
      this.heartbeatDue = true;
      if (this.options.current?.() === false) this.options.onStale?.();
      else this.heartbeatIfDue();
    }, this.options.heartbeatMs);
  }

  /** Sends the heartbeat that waited for a current view, if one is due and the view now is. */
  heartbeatIfDue(): void {
    if (!this.heartbeatDue || this.ended || this.options.current?.() === false) return;
    this.heartbeatDue = false;
    // An `id:` without `data:` dispatches no event but moves EventSource's Last-Event-ID.
    const progress = this.options.progress();
    if (progress > this.lastId) {
      this.lastId = progress;
      this.raw.write(`: heartbeat\nid: ${progress}\n\n`);
    } else this.raw.write(': heartbeat\n\n');
  }

  /** Writes frames (see `changeFrame`), the last one's id `lastId`; resolves when the socket can take more (or the stream closed). */
  send(frames: string, lastId: number): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.lastId = Math.max(this.lastId, lastId);
    if (this.raw.write(frames)) return Promise.resolve();
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

  /**
   * Ends the stream with an `error` event whose data is the API's error envelope: a read
   * failed or stalled, and the client should reconnect with `Last-Event-ID` (to this node
   * or another), losing nothing.
   */
  fail(envelope: unknown): void {
    if (this.ended) return;
    if (!this.raw.writableEnded) this.raw.write(`event: error\ndata: ${JSON.stringify(envelope)}\n\n`);
    this.end();
  }

  /** Ends the stream from the server's side (shutdown, compaction): the client reconnects. */
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
