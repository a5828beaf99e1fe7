import { randomUUID } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import type { Agent } from 'undici';
import { epochSeconds, systemClock, type Clock } from '../../clock.js';
import { guardedLookup } from './guarded-lookup.js';
import { DeadlineError, describeUrl, formatBytes, OutboundError, toOutboundError } from './outbound-error.js';
import { REQUEST_ID_HEADER, SIGNATURE_HEADER, signBody } from './signature.js';
import { addressProblem, parseAllowList, urlProblem, type GuardMode } from './ssrf-guard.js';

/** How to build an {@link OutboundClient}. */
export interface OutboundClientOptions {
  /** production: public https only; development: loopback and http allowed too (see `ssrf-guard.ts`). */
  mode: GuardMode;
  /** Budget for one call, redirects included: connect, headers and whole body. Default 30 s. */
  timeoutMs?: number;
  /** Largest response body read, in bytes; past it the call fails with `too_large`. Default 2 MiB. */
  maxResponseBytes?: number;
  /** `User-Agent` of every request. Default `Switchboard`. */
  userAgent?: string;
  /** Source of the signature timestamp. Default the system clock. */
  clock?: Clock;
  /**
   * CIDR ranges called even though the guard refuses them, e.g. `["10.20.0.0/16"]` for
   * integrations on a private network. Also how tests reach a loopback server in
   * production mode, since a test has no public server to call.
   */
  extraAllowed?: readonly string[];
  /** PEM certificates trusted in addition to Node's bundled roots (a private CA). */
  extraCa?: readonly string[];
  /** Sockets kept per origin. Default 8. */
  connectionsPerOrigin?: number;
}

/** Options of a POST. */
export interface PostOptions {
  /** The integration's secret: when given, the body is signed (`X-Switchboard-Signature`). */
  signingSecret?: string;
  /** Sent as `X-Switchboard-Request-Id`; a random UUID when omitted. */
  requestId?: string;
  /** Aborts the call early (a pull whose lease could not be renewed); it then fails like a network error. */
  signal?: AbortSignal;
}

/** Options of a GET. */
export interface GetOptions {
  /** Redirects (301, 302, 307, 308) followed before failing with `redirect`. Default 5. */
  followRedirects?: number;
  /** Sent as `X-Switchboard-Request-Id` on every hop; a random UUID when omitted. */
  requestId?: string;
}

/** A complete response. Non-2xx statuses are responses too; judging them is the caller's job. */
export interface OutboundResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The body decoded as UTF-8. */
  body: string;
  /** The URL that answered, after any redirects. */
  url: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 307, 308]);

/**
 * The HTTP client Switchboard calls integration services with: pooled keep-alive
 * connections, an address guard on every connection, a deadline and a size cap on every
 * call, optional body signing. Every failure is an {@link OutboundError}. POSTs never
 * follow redirects (a redirect must not carry a body, and its metadata, somewhere new);
 * their 3xx answers are returned as they are.
 *
 * A URL string that does not parse rejects with a `TypeError` (a caller's bug, not the
 * integration's); so does an empty signing secret.
 */
export class OutboundClient {
  readonly #mode: GuardMode;
  readonly #allowed: ReturnType<typeof parseAllowList>;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #userAgent: string;
  readonly #clock: Clock;
  readonly #agentOptions: ConstructorParameters<typeof Agent>[0];
  /** Created on the first call: undici takes a quarter of a second to load, and many servers never call out. */
  #agent: Promise<Agent> | undefined;

  constructor(options: OutboundClientOptions) {
    this.#mode = options.mode;
    this.#allowed = parseAllowList(options.extraAllowed ?? []);
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxBytes = options.maxResponseBytes ?? 2 * 1024 * 1024;
    this.#userAgent = options.userAgent ?? 'Switchboard';
    this.#clock = options.clock ?? systemClock;
    const extraCa = options.extraCa ?? [];
    this.#agentOptions = {
      connections: options.connectionsPerOrigin ?? 8,
      keepAliveTimeout: 10_000,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
      connect: {
        timeout: this.#timeoutMs,
        lookup: guardedLookup((ip) => addressProblem(ip, this.#mode, this.#allowed)),
        // Setting `ca` replaces Node's roots, so keep them alongside the extra ones.
        ...(extraCa.length > 0 ? { ca: [...rootCertificates, ...extraCa] } : {}),
      },
    };
  }

  #dispatcher(): Promise<Agent> {
    this.#agent ??= import('undici').then(({ Agent }) => new Agent(this.#agentOptions));
    return this.#agent;
  }

  /** POSTs `fields` as `application/x-www-form-urlencoded` (pulls, channelbacks); pairs may repeat a name. */
  postForm(
    url: string | URL,
    fields: Record<string, string> | [string, string][],
    options: PostOptions = {},
  ): Promise<OutboundResponse> {
    const body = new URLSearchParams(fields).toString();
    return this.#post(url, body, 'application/x-www-form-urlencoded', options);
  }

  /** POSTs `body` as JSON (event callbacks). */
  postJson(url: string | URL, body: unknown, options: PostOptions = {}): Promise<OutboundResponse> {
    const text = JSON.stringify(body) as string | undefined;
    if (text === undefined) return Promise.reject(new TypeError('postJson needs a body that JSON can represent.'));
    return this.#post(url, text, 'application/json', options);
  }

  /** GETs `url` (manifests), following redirects; every hop's URL and address is checked again. */
  get(url: string | URL, options: GetOptions = {}): Promise<OutboundResponse> {
    const maxHops = options.followRedirects ?? 5;
    const headers = this.#headers(options.requestId);
    return this.#withDeadline(async (signal) => {
      let current = new URL(url);
      let from: URL | undefined;
      const visited = new Set([current.href]);
      for (let hop = 0; ; hop++) {
        const response = await this.#send('GET', current, from, headers, undefined, signal);
        if (!REDIRECT_STATUSES.has(response.status)) return response;
        const call = `GET ${describeUrl(current)}`;
        const next = redirectTarget(call, response);
        if (hop >= maxHops) {
          throw new OutboundError('redirect', `${call} redirected too often: Switchboard follows ${maxHops} at most.`);
        }
        if (visited.has(next.href)) {
          throw new OutboundError('redirect', `${call} redirects back to ${describeUrl(next)}: a redirect loop.`);
        }
        visited.add(next.href);
        [from, current] = [current, next];
      }
    });
  }

  /** Closes pooled connections once in-flight calls finish. */
  async close(): Promise<void> {
    if (this.#agent) await (await this.#agent).close();
  }

  async #post(url: string | URL, body: string, contentType: string, options: PostOptions): Promise<OutboundResponse> {
    const headers: Record<string, string> = { ...this.#headers(options.requestId), 'content-type': contentType };
    if (options.signingSecret !== undefined) {
      headers[SIGNATURE_HEADER.toLowerCase()] = signBody(options.signingSecret, body, epochSeconds(this.#clock));
    }
    return this.#withDeadline(
      (signal) => this.#send('POST', new URL(url), undefined, headers, body, signal),
      options.signal,
    );
  }

  #headers(requestId: string | undefined): Record<string, string> {
    return { 'user-agent': this.#userAgent, [REQUEST_ID_HEADER.toLowerCase()]: requestId ?? randomUUID() };
  }

  // One deadline for the whole call, redirects included: the caller wants a bound on its wait.
  async #withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, callerSignal?: AbortSignal): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DeadlineError('deadline passed')), this.#timeoutMs);
    // The caller's abort is passed on by a listener: AbortSignal.any costs more on every call.
    const passOn = () => controller.abort(callerSignal!.reason);
    if (callerSignal?.aborted) passOn();
    else callerSignal?.addEventListener('abort', passOn, { once: true });
    try {
      return await work(controller.signal);
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', passOn);
    }
  }

  /** One request and its whole (capped) body. `from` is the URL that redirected here, if any. */
  async #send(
    method: 'GET' | 'POST',
    url: URL,
    from: URL | undefined,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<OutboundResponse> {
    const call = `${method} ${describeUrl(url)}${from ? ` (redirected from ${describeUrl(from)})` : ''}`;
    // IP-literal hosts never reach the guarded lookup, so the URL check is what stops them.
    const problem = urlProblem(url, this.#mode, this.#allowed);
    if (problem !== undefined) throw new OutboundError('blocked', `Refused to call ${call}: ${problem}.`);
    try {
      const response = await (
        await this.#dispatcher()
      ).request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        body,
        signal,
      });
      const tooLarge = () =>
        new OutboundError(
          'too_large',
          `${call} answered with a body over ${formatBytes(this.#maxBytes)}, the most Switchboard reads; reading stopped there.`,
        );
      // A declared length over the cap fails before a byte is read.
      if (Number(response.headers['content-length']) > this.#maxBytes) {
        // destroy() makes the body emit an abort error; nobody else is listening for it.
        response.body.once('error', () => undefined).destroy();
        throw tooLarge();
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        // Leaving the loop destroys the body, which aborts the request and closes its socket.
        if (size > this.#maxBytes) throw tooLarge();
        chunks.push(chunk);
      }
      // undici offers a socket for reuse one event-loop turn after its response ends (in
      // case the server closes it anyway); waiting that turn lets the caller's next request
      // reuse it instead of opening another connection.
      await new Promise((resolve) => setImmediate(resolve));
      return {
        status: response.statusCode,
        headers: flattenHeaders(response.headers),
        body: Buffer.concat(chunks).toString('utf8'),
        url: url.href,
      };
    } catch (error) {
      throw toOutboundError(error, call, url, this.#timeoutMs);
    }
  }
}

function redirectTarget(call: string, response: OutboundResponse): URL {
  const location = response.headers.location;
  if (location === undefined || location === '') {
    throw new OutboundError('redirect', `${call} answered ${response.status} without a Location header.`);
  }
  try {
    // Relative locations are resolved against the URL that answered.
    return new URL(location, response.url);
  } catch {
    throw new OutboundError('redirect', `${call} redirected to "${location}", which is not a valid URL.`);
  }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
