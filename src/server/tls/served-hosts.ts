/**
 * Which host names Switchboard answers as itself: the names its certificate covers and the
 * forward proxy serves in-process. Exactly `{baseDomain}`, one label under it
 * (`acme.zendesk.com`, as account subdomains are), and `SWITCHBOARD_PUBLIC_URL`'s host.
 * Compared whole, never by suffix alone: `acme.zendesk.com.evil.test` and
 * `evilzendesk.com` are other hosts.
 */
export interface ServedHosts {
  baseDomain: string | undefined;
  publicUrl: string | undefined;
}

const label = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Whether `host` (a name, no port) is one Switchboard serves itself. */
export function isServedHost(host: string, served: ServedHosts): boolean {
  const name = host.toLowerCase();
  if (served.publicUrl !== undefined && name === new URL(served.publicUrl).hostname.toLowerCase()) return true;
  if (!served.baseDomain) return false;
  const base = served.baseDomain.toLowerCase();
  if (name === base) return true;
  const suffix = `.${base}`;
  return name.endsWith(suffix) && label.test(name.slice(0, -suffix.length));
}

/** The names the development certificate is issued for. */
export function certificateNames(served: ServedHosts): string[] {
  const names: string[] = [];
  if (served.baseDomain) names.push(`*.${served.baseDomain.toLowerCase()}`, served.baseDomain.toLowerCase());
  if (served.publicUrl !== undefined) {
    const host = new URL(served.publicUrl).hostname.replace(/^\[(.*)\]$/, '$1');
    if (!names.includes(host)) names.push(host);
  }
  for (const local of ['localhost', '127.0.0.1', '::1']) if (!names.includes(local)) names.push(local);
  return names;
}

/**
 * A CONNECT request's target, `host:port` (`[v6]:port` for IPv6), or undefined when it is
 * not one. The host comes back lowercased, without brackets.
 */
export function connectTarget(target: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+)):(\d{1,5})$/i.exec(target);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (match[1] ?? match[2]!).toLowerCase(), port };
}
