/**
 * Redirect URIs of OAuth clients (RFC 6749 §3.1.2, RFC 8252 §7.3): absolute, no fragment;
 * `https`, or `http` to a loopback address (a native app's or a script's local listener).
 */

const maxLength = 2048;
/** At most this many per client. */
export const maxRedirectUris = 20;

const loopbackHosts = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Why a redirect URI is unacceptable, or undefined. */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri.length > maxLength) return `redirect_uri is longer than ${maxLength} characters`;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `redirect_uri ${JSON.stringify(uri)} is not an absolute URL`;
  }
  if (url.hash !== '' || uri.includes('#')) return `redirect_uri ${JSON.stringify(uri)} has a fragment (#…)`;
  if (url.username !== '' || url.password !== '') return `redirect_uri ${JSON.stringify(uri)} carries credentials`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && loopbackHosts.has(url.hostname)) return undefined;
  return `redirect_uri ${JSON.stringify(uri)} must use https (http only to 127.0.0.1, [::1] or localhost)`;
}

/** An `http` redirect to this machine: allowed in development without being registered. */
export function isLoopbackRedirect(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && loopbackHosts.has(url.hostname) && redirectUriProblem(uri) === undefined;
  } catch {
    return false;
  }
}
