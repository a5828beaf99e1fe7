/**
 * The two cookie operations the console needs: read one cookie of the `Cookie` header, and
 * write a `Set-Cookie` value with fixed flags. (The cookie package fastify's plugins use
 * declares Node 22; this covers the console's own names and base64url values only.)
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface CookieFlags {
  /** Seconds; 0 deletes the cookie. */
  maxAgeSeconds: number;
  /** Sent only over https. */
  secure: boolean;
  path: string;
}

/** A `Set-Cookie` value: always HttpOnly and SameSite=Lax. `value` must be cookie-safe (base64url, dots). */
export function cookieHeader(name: string, value: string, flags: CookieFlags): string {
  const parts = [
    `${name}=${value}`,
    `Path=${flags.path}`,
    `Max-Age=${flags.maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Lax',
  ];
  if (flags.secure) parts.push('Secure');
  return parts.join('; ');
}
