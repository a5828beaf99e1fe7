import { RefusedAddressError } from './guarded-lookup.js';

/**
 * How an outbound call failed:
 * - `blocked`: the address guard refused the URL or an address it resolves to.
 * - `timeout`: no complete response within the client's time limit.
 * - `too_large`: the response body passed the client's size cap; reading stopped there.
 * - `network`: DNS failure, connection refused or reset, TLS failure.
 * - `redirect`: too many redirects, a loop, or a redirect without a usable Location.
 */
export type OutboundErrorKind = 'blocked' | 'timeout' | 'too_large' | 'network' | 'redirect';

/**
 * An outbound call that produced no usable response. The message is written for the
 * integration's developer (it is shown in pull logs): it names the method, the URL
 * (query string elided, as it may carry keys) and what to fix, and never the request body.
 */
export class OutboundError extends Error {
  override readonly name = 'OutboundError';
  constructor(
    readonly kind: OutboundErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown into an in-flight request when the client's deadline passes. */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/** `https://host:port/path`, with any query string shown as `?…`: what error messages show of a URL. */
export function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search === '' ? '' : '?…'}`;
}

/** `2 MiB`, `64 KiB`, or bytes. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);

/**
 * Turns whatever a request threw into an {@link OutboundError}. `call` is how the message
 * begins, e.g. `POST https://example.com/pull`.
 */
export function toOutboundError(error: unknown, call: string, url: URL, timeoutMs: number): OutboundError {
  if (error instanceof OutboundError) return error;
  if (error instanceof RefusedAddressError) {
    return new OutboundError('blocked', `Refused to call ${call}: ${error.message}.`);
  }
  const code = (error as { code?: unknown } | null)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof DeadlineError || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
    return new OutboundError('timeout', `${call} timed out: no complete response within ${timeoutMs} ms.`, {
      cause: error,
    });
  }
  const where = `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
  let reason: string;
  if (code === 'ECONNREFUSED') {
    reason = `connection refused by ${where} (ECONNREFUSED); is the integration service running and listening there?`;
  } else if (typeof code === 'string' && DNS_CODES.has(code)) {
    reason = `could not resolve the host name ${url.hostname} (${code})`;
  } else if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    reason = `the connection to ${where} closed before a complete response arrived (${code})`;
  } else if (typeof code === 'string' && /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED)/.test(code)) {
    reason = `the TLS handshake with ${where} failed: ${detail} (${code})`;
  } else {
    reason = typeof code === 'string' ? `${detail} (${code})` : detail;
  }
  return new OutboundError('network', `${call} failed: ${reason}.`, { cause: error });
}
