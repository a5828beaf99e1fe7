import { formatIpv4, inRange, ipv4, parseCidr, parseIp, type CidrRange, type IpAddress } from './ip-address.js';

/**
 * The outbound address guard: which URLs and addresses Switchboard will call.
 *
 * Tenants supply the URLs Switchboard calls (manifests, pull, channelback, event
 * callbacks), so without this guard anyone who can register an integration could make
 * Switchboard fetch its cloud metadata (169.254.169.254), its database port on
 * localhost, or anything on the private network behind it (SSRF).
 *
 * Modes:
 * - production: only public unicast addresses, https only.
 * - development: the same, except that loopback (127.0.0.0/8, ::1) is allowed and so is
 *   http, so an integration running on the developer's machine can be called. Private
 *   and link-local ranges stay refused even here: a laptop on a corporate network or in
 *   a cloud VM is exactly where they are dangerous. Whoever really needs one (an
 *   integration in a Docker network, say) names it in `extraAllowed`.
 */

/** Whether Switchboard runs for real or on a developer's machine. */
export type GuardMode = 'development' | 'production';

type Category = 'loopback' | 'refused';

// First match wins, so the specific entries sit above the ranges that contain them.
const REFUSED: readonly { range: CidrRange; what: string; category: Category }[] = (
  [
    ['169.254.169.254/32', 'the cloud instance-metadata address', 'refused'],
    ['255.255.255.255/32', 'the broadcast address', 'refused'],
    ['0.0.0.0/8', 'an unspecified ("this network") address', 'refused'],
    ['10.0.0.0/8', 'a private-network address', 'refused'],
    ['100.64.0.0/10', 'a carrier-grade NAT (shared) address', 'refused'],
    ['127.0.0.0/8', 'a loopback address', 'loopback'],
    ['169.254.0.0/16', 'a link-local address', 'refused'],
    ['172.16.0.0/12', 'a private-network address', 'refused'],
    ['192.0.0.0/24', 'an IETF protocol-assignment address', 'refused'],
    ['192.0.2.0/24', 'a documentation address', 'refused'],
    ['192.88.99.0/24', 'a 6to4 relay anycast address', 'refused'],
    ['192.168.0.0/16', 'a private-network address', 'refused'],
    ['198.18.0.0/15', 'a benchmarking address', 'refused'],
    ['198.51.100.0/24', 'a documentation address', 'refused'],
    ['203.0.113.0/24', 'a documentation address', 'refused'],
    ['224.0.0.0/4', 'a multicast address', 'refused'],
    ['240.0.0.0/4', 'a reserved address', 'refused'],
    ['::/128', 'the unspecified address', 'refused'],
    ['::1/128', 'the loopback address', 'loopback'],
    ['64:ff9b:1::/48', 'a local-use NAT64 address', 'refused'],
    ['100::/64', 'a discard-only address', 'refused'],
    ['2001::/23', 'an IETF protocol-assignment address (Teredo and others)', 'refused'],
    ['2001:db8::/32', 'a documentation address', 'refused'],
    ['3fff::/20', 'a documentation address', 'refused'],
    ['fc00::/7', 'a unique-local (private-network) address', 'refused'],
    ['fe80::/10', 'a link-local address', 'refused'],
    ['fec0::/10', 'a site-local (private-network) address', 'refused'],
    ['ff00::/8', 'a multicast address', 'refused'],
  ] as const
).map(([cidr, what, category]) => ({ range: parseCidr(cidr), what, category }));

// IPv6 forms that carry an IPv4 address, which is what the packets really reach.
const EMBEDDING: readonly { range: CidrRange; offset: number; form: string }[] = [
  { range: parseCidr('::ffff:0:0/96'), offset: 12, form: 'IPv4-mapped' },
  { range: parseCidr('::ffff:0:0:0/96'), offset: 12, form: 'IPv4-translated' },
  { range: parseCidr('64:ff9b::/96'), offset: 12, form: 'NAT64' },
  { range: parseCidr('2002::/16'), offset: 2, form: '6to4' },
  // Checked after the table, so :: and ::1 are already named; what is left is deprecated ::a.b.c.d.
  { range: parseCidr('::/96'), offset: 12, form: 'IPv4-compatible' },
];

// Ports the Fetch standard refuses because a request there speaks to another protocol
// (SMTP, IRC, ...) and an HTTP body could smuggle commands into it.
const BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** Parses an allow-list such as `["10.1.0.0/16", "fd00::/8"]`; throws naming the bad entry. */
export function parseAllowList(cidrs: readonly string[]): CidrRange[] {
  return cidrs.map(parseCidr);
}

/**
 * Why Switchboard must not connect to `ip` in `mode`, as a sentence naming the address;
 * undefined if it may. `allowed` ranges are always permitted (an operator's explicit
 * choice, also how tests reach a loopback server in production mode). Anything that is
 * not an IP literal is refused.
 */
export function addressProblem(ip: string, mode: GuardMode, allowed: readonly CidrRange[] = []): string | undefined {
  const address = parseIp(ip);
  if (!address) return `"${ip}" is not an IP address`;
  const embedded = embeddedIpv4(address);
  if (allowed.some((range) => inRange(address, range) || (embedded && inRange(embedded.address, range)))) {
    return undefined;
  }
  // A listed address (such as ::1, inside ::/96) is judged as itself, never as an embedding.
  const own = classify(address, mode);
  if (own.listed) return own.problem && `${ip} is ${own.problem}`;
  if (!embedded) return undefined;
  const inner = classify(embedded.address, mode);
  const v4 = formatIpv4(embedded.address);
  return inner.problem && `${ip} is the ${embedded.form} IPv6 form of ${v4}, which is ${inner.problem}`;
}

/** Whether the table lists the address, and what it is if `mode` refuses it. */
function classify(address: IpAddress, mode: GuardMode): { listed: boolean; problem?: string } {
  const hit = REFUSED.find(({ range }) => inRange(address, range));
  if (!hit) return { listed: false };
  if (hit.category === 'loopback' && mode === 'development') return { listed: true };
  const hint = hit.category === 'loopback' ? '; loopback may be called only in development mode' : '';
  return { listed: true, problem: `${hit.what} (${hit.range.text})${hint}` };
}

function embeddedIpv4(address: IpAddress): { address: IpAddress; form: string } | undefined {
  if (address.version !== 6) return undefined;
  const hit = EMBEDDING.find(({ range }) => inRange(address, range));
  return hit && { address: ipv4(address.bytes.subarray(hit.offset, hit.offset + 4)), form: hit.form };
}

/**
 * Why Switchboard must not call `url` in `mode`; undefined if it may (so far as the URL
 * alone tells: host names are checked again on the addresses they resolve to, at connect
 * time). Refuses non-http(s) schemes, plain http in production, credentials in the URL,
 * port 0, in production the Fetch standard's "bad ports", and IP-literal hosts that
 * {@link addressProblem} refuses.
 */
export function urlProblem(url: URL, mode: GuardMode, allowed: readonly CidrRange[] = []): string | undefined {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `only http and https URLs can be called, not ${url.protocol}`;
  }
  if (mode === 'production' && url.protocol === 'http:') {
    return 'production mode calls only https URLs; use https://';
  }
  // Credentials would travel to whoever the URL names, and end up in logs with it.
  if (url.username !== '' || url.password !== '') {
    return 'the URL contains credentials (user:password@); remove them';
  }
  if (url.port !== '') {
    const port = Number(url.port);
    if (port === 0) return 'port 0 cannot be called';
    if (mode === 'production' && BAD_PORTS.has(port)) {
      return `port ${port} belongs to another protocol (the Fetch standard's bad-port list); use another port`;
    }
  }
  if (url.hostname === '') return 'the URL has no host';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return parseIp(host) ? addressProblem(host, mode, allowed) : undefined;
}
