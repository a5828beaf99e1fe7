import { request, type IncomingMessage } from 'node:http';

export interface SseEvent {
  id: number;
  data: any;
}

/** A change stream opened with node's http client: its events and comment lines as they arrive. */
export interface SseConnection {
  status: number;
  headers: IncomingMessage['headers'];
  events: SseEvent[];
  /** The data of `event: error` frames (the API's error envelope): the server ended the stream. */
  errors: any[];
  /** Comment lines (`: heartbeat`), in order. */
  comments: string[];
  /** The last `id:` received, with an event or without (progress): what EventSource would resume from. */
  lastId: () => number | undefined;
  /** Resolves once `events.length >= count` (rejects after `timeoutMs`). */
  waitForEvents: (count: number, timeoutMs?: number) => Promise<SseEvent[]>;
  waitForComment: (text: string, timeoutMs?: number) => Promise<void>;
  /** The body, for a non-200 answer. */
  body: () => Promise<string>;
  /** Drops the connection, as a client that goes away. */
  close: () => void;
  closed: Promise<void>;
}

/** Opens `GET url` with `Accept: text/event-stream`, resolving once the answer's headers arrive. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      res.setEncoding('utf8');
      const events: SseEvent[] = [];
      const errors: any[] = [];
      const comments: string[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      let raw = '';
      let lastId: number | undefined;
      const closed = new Promise<void>((done) => res.on('close', () => done()));
      res.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: number | undefined;
          let data: string | undefined;
          let type = 'message';
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) id = Number(line.slice(4));
            else if (line.startsWith('event: ')) type = line.slice(7);
            else if (line.startsWith('data: ')) data = line.slice(6);
          }
          if (id !== undefined) lastId = id;
          if (type === 'error' && data !== undefined) errors.push(JSON.parse(data));
          else if (data !== undefined) events.push({ id: id!, data: JSON.parse(data) });
        }
        for (const waiter of [...waiters]) waiter();
      });
      res.on('error', () => {});
      const until = (check: () => boolean, what: string, timeoutMs: number) =>
        new Promise<void>((done, fail) => {
          const tick = () => {
            if (!check()) return;
            clearTimeout(timer);
            waiters.delete(tick);
            done();
          };
          const timer = setTimeout(() => {
            waiters.delete(tick);
            fail(new Error(`timed out waiting for ${what}; have ${events.length} events`));
          }, timeoutMs);
          waiters.add(tick);
          tick();
        });
      resolve({
        status: res.statusCode!,
        headers: res.headers,
        events,
        errors,
        comments,
        lastId: () => lastId,
        waitForEvents: async (count, timeoutMs = 10_000) => {
          await until(() => events.length >= count, `${count} events`, timeoutMs);
          return events;
        },
        waitForComment: (text, timeoutMs = 10_000) => until(() => comments.includes(text), `": ${text}"`, timeoutMs),
        body: async () => {
          await closed;
          return raw;
        },
        close: () => req.destroy(),
        closed,
      });
    });
    req.on('error', reject);
    req.end();
  });
}
