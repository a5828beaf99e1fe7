import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP addresses and CIDR ranges as raw bytes, for the outbound address guard.
 *
 * Why bytes and not `net.BlockList`: the guard must see through IPv6 forms that embed an
 * IPv4 address (`::ffff:127.0.0.1`, NAT64, 6to4), and that needs the bits, not a yes/no.
 */

/** A parsed IPv4 (4 bytes) or IPv6 (16 bytes) address. */
export interface IpAddress {
  readonly version: 4 | 6;
  readonly bytes: Uint8Array;
}

/** An address range such as `10.0.0.0/8` or `fc00::/7`. */
export interface CidrRange {
  readonly base: IpAddress;
  readonly prefix: number;
  /** As written, for messages. */
  readonly text: string;
}

/**
 * Parses an IP literal: dotted-quad IPv4 or any IPv6 form (compressed, with a trailing
 * dotted quad, with `[brackets]` as in a URL host, with a `%zone` that is ignored).
 * Returns undefined for anything else, host names included.
 */
export function parseIp(text: string): IpAddress | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  // Node's isIPv4 accepts only plain decimal quads, so "0177.0.0.1" (octal to some libcs) is not an IP here.
  if (isIPv4(bare)) return { version: 4, bytes: Uint8Array.from(bare.split('.').map(Number)) };
  const address = bare.split('%')[0] ?? '';
  if (!isIPv6(address)) return undefined;
  return { version: 6, bytes: ipv6Bytes(address) };
}

function ipv6Bytes(address: string): Uint8Array {
  const bytes = new Uint8Array(16);
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    // A trailing dotted quad fills the last 32 bits; stand two zero groups in for it.
    tail.split('.').forEach((octet, i) => (bytes[12 + i] = Number(octet)));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [left = '', right] = text.split('::');
  const leftGroups = left === '' ? [] : left.split(':');
  const rightGroups = right === undefined || right === '' ? [] : right.split(':');
  const groups =
    right === undefined
      ? leftGroups
      : [...leftGroups, ...Array<string>(8 - leftGroups.length - rightGroups.length).fill('0'), ...rightGroups];
  groups.forEach((group, i) => {
    if (i >= 6 && tail.includes('.')) return;
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

/** `10.0.0.0/8`, `::1/128`, or a bare address (a range of one). Throws on anything else. */
export function parseCidr(text: string): CidrRange {
  const [addressText = '', prefixText, extra] = text.trim().split('/');
  const base = parseIp(addressText);
  const max = base?.version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!base || extra !== undefined || !/^\d+$/.test(prefixText ?? String(max)) || prefix > max) {
    throw new Error(`"${text}" is not an IP address or CIDR range such as 10.0.0.0/8 or fd00::/8`);
  }
  return { base, prefix, text: text.trim() };
}

/** Whether `address` lies in `range`. IPv4 never matches an IPv6 range or the reverse. */
export function inRange(address: IpAddress, range: CidrRange): boolean {
  if (address.version !== range.base.version) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((address.bytes[i] ?? 0) & mask) !== ((range.base.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** An IPv4 address from four bytes. */
export function ipv4(bytes: Uint8Array): IpAddress {
  return { version: 4, bytes: Uint8Array.from(bytes) };
}

/** Conventional text form of an IPv4 address (IPv6 is only ever shown as the caller wrote it). */
export function formatIpv4(address: IpAddress): string {
  return Array.from(address.bytes).join('.');
}
