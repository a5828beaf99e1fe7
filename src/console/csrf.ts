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
 * The sign-in form has no session yet: a double-submit pair. The page sets a random cookie
 * and puts the same value in the form; a post from another site carries the cookie but
 * cannot know the value.
 */
export const loginCsrfCookie = 'switchboard_console_login';

export function newLoginCsrf(): string {
  return randomBytes(16).toString('base64url');
}
