import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashSecret } from '../security/secrets.js';

/** How long a console session lasts from sign-in. */
export const sessionSeconds = 12 * 60 * 60;

/** The session cookie's name. */
export const sessionCookie = 'switchboard_console';

/** What the signed cookie says: which admin token signed in, and until when. */
export interface Session {
  accountId: number;
  email: string;
  /** The SHA-256 of the admin's API token, as stored: every request looks it up again, so revoking the token ends the session. */
  tokenHash: string;
  /** Random per sign-in: the session's id (its hash is stored until sign-out), and the CSRF token derives from it. */
  nonce: string;
  /** Epoch seconds. */
  expiresAt: number;
}

/**
 * The keys the console signs with, derived from the server's secret key (as integration
 * signing secrets are), so that every node sharing the key accepts the others' sessions.
 */
export interface ConsoleKeys {
  session: Buffer;
  csrf: Buffer;
}

export function consoleKeys(secretKey: string): ConsoleKeys {
  const derive = (purpose: string) => createHmac('sha256', secretKey).update(`console:${purpose}`).digest();
  return { session: derive('session-cookie'), csrf: derive('csrf-token') };
}

const mac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest('base64url');

/** Constant-time equality of two base64url strings. */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A new session for a signed-in admin. */
export function newSession(
  identity: { accountId: number; email: string; tokenHash: string },
  nowSeconds: number,
): Session {
  return { ...identity, nonce: randomBytes(16).toString('base64url'), expiresAt: nowSeconds + sessionSeconds };
}

/** What the store keeps of a session: the SHA-256 of its random id, never the id. */
export function sessionIdHash(session: Pick<Session, 'nonce'>): string {
  return hashSecret(session.nonce);
}

/** `{payload}.{hmac}`, both base64url: readable by nothing but this server's check. */
export function encodeSession(keys: ConsoleKeys, session: Session): string {
  const payload = Buffer.from(
    JSON.stringify([session.accountId, session.email, session.tokenHash, session.nonce, session.expiresAt]),
  ).toString('base64url');
  return `${payload}.${mac(keys.session, payload)}`;
}

/** The session a cookie carries, or undefined when it is forged, altered, malformed or expired. */
export function decodeSession(keys: ConsoleKeys, value: string | undefined, nowSeconds: number): Session | undefined {
  if (!value) return undefined;
  const dot = value.indexOf('.');
  if (dot <= 0) return undefined;
  const payload = value.slice(0, dot);
  if (!sameText(value.slice(dot + 1), mac(keys.session, payload))) return undefined;
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields) || fields.length !== 5) return undefined;
  const [accountId, email, tokenHash, nonce, expiresAt] = fields as unknown[];
  if (typeof accountId !== 'number' || typeof email !== 'string' || typeof tokenHash !== 'string') return undefined;
  if (typeof nonce !== 'string' || typeof expiresAt !== 'number' || expiresAt <= nowSeconds) return undefined;
  return { accountId, email, tokenHash, nonce, expiresAt };
}
