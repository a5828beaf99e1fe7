import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Request signing for calls from Switchboard to an integration service.
 *
 * Each request body is signed with the integration's own secret, Stripe-style:
 *
 *     X-Switchboard-Signature: t=1700000000,v1=<hex HMAC-SHA256 of "1700000000.<body>">
 *
 * The timestamp is inside the signed text, so a captured request cannot be replayed once
 * it is older than the tolerance, and cannot be given a fresh timestamp without the
 * secret. Integrations verify with {@link verifySignature} (this file imports nothing
 * but `node:crypto`, so they can copy it as it is).
 */

/** Header carrying `t=<unix seconds>,v1=<hex hmac>`. */
export const SIGNATURE_HEADER = 'X-Switchboard-Signature';

/** Header carrying a unique id per request, for matching Switchboard's logs with the integration's. */
export const REQUEST_ID_HEADER = 'X-Switchboard-Request-Id';

/** How far (seconds, either way) a signature's timestamp may be from the verifier's clock. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/** The request body exactly as sent: a string (hashed as UTF-8) or the raw bytes. */
export type SignedBody = string | Uint8Array;

function hmacHex(secret: string, timestamp: number, body: SignedBody): string {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest('hex');
}

/**
 * The `X-Switchboard-Signature` value for `body` sent at `nowSeconds` (whole seconds
 * since the epoch): `t=<nowSeconds>,v1=<hex HMAC-SHA256 of "<nowSeconds>.<body>">`.
 */
export function signBody(secret: string, body: SignedBody, nowSeconds: number): string {
  if (secret === '') throw new TypeError('The signing secret is empty.');
  if (!Number.isSafeInteger(nowSeconds) || nowSeconds < 0) {
    throw new RangeError(`The signature timestamp must be whole seconds since the epoch; got ${nowSeconds}.`);
  }
  return `t=${nowSeconds},v1=${hmacHex(secret, nowSeconds, body)}`;
}

/**
 * Whether `header` (the `X-Switchboard-Signature` value) is a valid signature of `body`
 * with `secret`, made within `toleranceSeconds` of `nowSeconds`.
 *
 * Pass the body exactly as received, before any parsing: re-serialising form fields or
 * JSON changes bytes and breaks the signature. Unknown `key=value` parts are ignored and
 * several `v1` values are allowed (one per secret, while a secret is being rotated).
 * Comparison is constant-time. Never throws: anything malformed is simply `false`.
 */
export function verifySignature(
  secret: string,
  body: SignedBody,
  header: string | undefined,
  nowSeconds: number,
  toleranceSeconds: number = DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
): boolean {
  if (typeof header !== 'string' || secret === '') return false;
  let timestamp: number | undefined;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      // Two timestamps are ambiguous: which one did the signer mean?
      if (timestamp !== undefined || !/^\d{1,15}$/.test(value)) return false;
      timestamp = Number(value);
    } else if (key === 'v1' && /^[0-9a-fA-F]{64}$/.test(value)) {
      candidates.push(Buffer.from(value, 'hex'));
    }
  }
  if (timestamp === undefined || candidates.length === 0) return false;
  // A timestamp far in the future is as suspect as an old one: it would stay replayable.
  if (!(Math.abs(nowSeconds - timestamp) <= toleranceSeconds)) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  let matched = false;
  for (const candidate of candidates) {
    // No early exit, so the time taken does not tell which candidate matched.
    matched = timingSafeEqual(expected, candidate) || matched;
  }
  return matched;
}
