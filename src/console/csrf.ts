import { createHmac, randomBytes } from 'node:crypto';
import { sameText, type ConsoleKeys, type Session } from './session.js';

/** The hidden form field every console form carries, and the header scripts may send instead. */
export const csrfField = '_csrf';
export const csrfHeader = 'x-csrf-token';

/**
 * The CSRF token of a session: an HMAC of its nonce. Another site can make the browser send
 * the cookie, but cannot read a page to learn this token.
 */
export function csrfTokenOf(keys: ConsoleKeys, session: Session): string {
  return createHmac('sha256', keys.csrf).update(`session:${session.nonce}`).digest('base64url');
}

export function csrfTokenMatches(keys: ConsoleKeys, session: Session, presented: unknown): boolean {
  return typeof presented === 'string' && sameText(presented, csrfTokenOf(keys, session));
}

/**
 * The sign-in form has no session yet: a signed double-submit pair (OWASP). The page sets a
 * cookie `{random}.{expires}.{hmac}` and puts a token derived from that random value in the
 * form; a post must carry both, and the token must be the one of that cookie. Signed, so a
 * cookie planted by someone else (a sibling subdomain can set cookies) is refused unless
 * this server made it; bound, so a form token fits only its own cookie; expiring with it.
 */
export const loginCsrfCookie = 'switchboard_console_login';

/** How long a login form stays valid. */
export const loginCsrfSeconds = 3600;

const loginMac = (keys: ConsoleKeys, purpose: string, text: string) =>
  createHmac('sha256', keys.csrf).update(`login-${purpose}:${text}`).digest('base64url');

/** A new pair: the cookie's value and the form's token. */
export function newLoginCsrf(keys: ConsoleKeys, nowSeconds: number): { cookie: string; token: string } {
  const random = randomBytes(16).toString('base64url');
  const signed = `${random}.${nowSeconds + loginCsrfSeconds}`;
  return { cookie: `${signed}.${loginMac(keys, 'cookie', signed)}`, token: loginMac(keys, 'form', random) };
}

/** True when the cookie is this server's, unexpired, and `presented` is its form token. */
export function loginCsrfMatches(
  keys: ConsoleKeys,
  cookie: string | undefined,
  presented: unknown,
  nowSeconds: number,
): boolean {
  const parts = cookie?.split('.');
  if (!parts || parts.length !== 3 || typeof presented !== 'string') return false;
  const [random, expires, mac] = parts as [string, string, string];
  if (!sameText(mac, loginMac(keys, 'cookie', `${random}.${expires}`))) return false;
  if (!(Number(expires) > nowSeconds)) return false;
  return sameText(presented, loginMac(keys, 'form', random));
}
