import type { FastifyRequest } from 'fastify';

/** The settings absolute links are built from. */
export interface PublicUrlSettings {
  /** `SWITCHBOARD_PUBLIC_URL`: `scheme://host[:port]`, no trailing slash. */
  publicUrl: string | undefined;
  /** `SWITCHBOARD_BASE_DOMAIN`: account subdomains live under it. */
  baseDomain: string | undefined;
}

/** The subdomain a Host names under the base domain (`acme` of `acme.example.com`), or undefined. */
export function subdomainOfHost(hostname: string, baseDomain: string | undefined): string | undefined {
  if (!baseDomain) return undefined;
  const host = hostname.toLowerCase();
  const suffix = `.${baseDomain.toLowerCase()}`;
  return host.endsWith(suffix) && host.length > suffix.length ? host.slice(0, -suffix.length) : undefined;
}

/**
 * Where absolute links in an answer (`links.next`, a token's `url`, the admin UI's
 * `return_url`, the OpenAPI `servers`) point. The request's Host is kept only when it is
 * `{subdomain}.{baseDomain}` and named the request's account (`hostNamedAccount`, checked by
 * the caller); otherwise `SWITCHBOARD_PUBLIC_URL`; otherwise the address the request came
 * in on. Never any other Host: a client could send `Host: evil.example` and have links
 * point there.
 */
export function publicBaseUrl(request: FastifyRequest, settings: PublicUrlSettings, hostNamedAccount: boolean): string {
  if (hostNamedAccount) return `${request.protocol}://${request.host}`;
  if (settings.publicUrl) return settings.publicUrl;
  return listenUrlOf(request);
}

/** The local address and port the request's connection reached: this server's, whatever the headers say. */
function listenUrlOf(request: FastifyRequest): string {
  const socket = request.raw.socket;
  const address = (socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const host = address.includes(':') ? `[${address}]` : address;
  return `${request.protocol}://${host}:${socket.localPort ?? 80}`;
}
