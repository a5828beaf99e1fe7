import { describe, expect, it } from 'vitest';
import { addressProblem, parseAllowList, urlProblem } from '../../../src/channels/outbound/ssrf-guard.js';

// Refused in both modes.
const ALWAYS_REFUSED = [
  '10.0.0.1',
  '10.255.255.255',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '169.254.169.254', // cloud metadata
  '169.254.0.1',
  '100.64.0.1', // CGNAT
  '100.127.255.255',
  '0.0.0.0',
  '0.1.2.3',
  '224.0.0.1', // multicast
  '239.255.255.250',
  '255.255.255.255', // broadcast
  '240.0.0.1',
  '192.0.0.8',
  '192.0.2.1',
  '198.18.0.1',
  '198.51.100.7',
  '203.0.113.9',
  '::', // unspecified
  'fe80::1', // link-local
  'fe80::1%eth0',
  'febf:ffff::1',
  'fc00::1', // unique local
  'fd12:3456:789a::1',
  'fec0::1',
  'ff02::1', // multicast
  '2001:db8::1',
  '2001::1', // Teredo
  '100::1',
  '64:ff9b:1::1',
  // IPv4 hidden in IPv6
  '::ffff:10.0.0.1',
  '::ffff:a00:1',
  '::ffff:169.254.169.254',
  '::ffff:0.0.0.0',
  '::ffff:192.168.0.1',
  '64:ff9b::a9fe:a9fe', // NAT64 of 169.254.169.254
  '2002:a00:1::1', // 6to4 of 10.0.0.1
  '::ffff:0:a00:1', // IPv4-translated 10.0.0.1
  '::10.0.0.1', // IPv4-compatible
  // not IP addresses at all
  'localhost',
  'example.com',
  '',
  '1.2.3',
  '0177.0.0.1',
];

const LOOPBACK = [
  '127.0.0.1',
  '127.1.2.3',
  '127.255.255.254',
  '::1',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '0:0:0:0:0:0:0:1',
];

const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '11.0.0.1',
  '172.15.255.255',
  '172.32.0.1',
  '100.63.255.255',
  '100.128.0.1',
  '169.253.255.255',
  '169.255.0.1',
  '192.167.255.255',
  '223.255.255.255',
  '2606:4700:4700::1111',
  '2a00:1450:4001:80b::200e',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808', // NAT64 of 8.8.8.8
  '2002:808:808::1', // 6to4 of 8.8.8.8
];

describe('addressProblem', () => {
  it.each(ALWAYS_REFUSED)('refuses %s in both modes', (ip) => {
    expect(addressProblem(ip, 'production')).toBeTypeOf('string');
    expect(addressProblem(ip, 'development')).toBeTypeOf('string');
  });

  it.each(LOOPBACK)('refuses loopback %s in production only', (ip) => {
    expect(addressProblem(ip, 'production')).toMatch(/loopback.*only in development mode/);
    expect(addressProblem(ip, 'development')).toBeUndefined();
  });

  it.each(PUBLIC)('allows public %s in both modes', (ip) => {
    expect(addressProblem(ip, 'production')).toBeUndefined();
    expect(addressProblem(ip, 'development')).toBeUndefined();
  });

  it('names the address and why', () => {
    expect(addressProblem('169.254.169.254', 'production')).toBe(
      '169.254.169.254 is the cloud instance-metadata address (169.254.169.254/32)',
    );
    expect(addressProblem('10.1.2.3', 'development')).toBe('10.1.2.3 is a private-network address (10.0.0.0/8)');
    expect(addressProblem('::ffff:127.0.0.1', 'production')).toMatch(
      /^::ffff:127\.0\.0\.1 is the IPv4-mapped IPv6 form of 127\.0\.0\.1, which is a loopback address \(127\.0\.0\.0\/8\)/,
    );
    expect(addressProblem('255.255.255.255', 'production')).toMatch(/broadcast/);
    expect(addressProblem('fe80::1', 'production')).toMatch(/link-local/);
    expect(addressProblem('nope', 'production')).toBe('"nope" is not an IP address');
  });

  it('lets an allow-list open chosen ranges, IPv4-mapped forms included, and nothing else', () => {
    const allowed = parseAllowList(['10.1.0.0/16', 'fd00::/8', '127.0.0.1']);
    expect(addressProblem('10.1.2.3', 'production', allowed)).toBeUndefined();
    expect(addressProblem('::ffff:10.1.2.3', 'production', allowed)).toBeUndefined();
    expect(addressProblem('fd00::5', 'production', allowed)).toBeUndefined();
    expect(addressProblem('127.0.0.1', 'production', allowed)).toBeUndefined();
    expect(addressProblem('127.0.0.2', 'production', allowed)).toMatch(/loopback/);
    expect(addressProblem('10.2.0.1', 'production', allowed)).toMatch(/private/);
    expect(addressProblem('fc00::1', 'production', allowed)).toMatch(/unique-local/);
  });

  it.each(['10.0.0.0/33', 'example.com/8', '10.0.0.0/8/1', '10.0.0.0/x', '::/129'])(
    'refuses the allow-list entry %s',
    (cidr) => {
      expect(() => parseAllowList([cidr])).toThrow(/not an IP address or CIDR range/);
    },
  );
});

describe('urlProblem', () => {
  const cases: [url: string, production: RegExp | undefined, development: RegExp | undefined][] = [
    ['https://example.com/manifest.json', undefined, undefined],
    ['https://example.com:8443/pull', undefined, undefined],
    ['http://example.com/manifest.json', /only https/, undefined],
    ['http://127.0.0.1:3000/pull', /only https/, undefined],
    ['https://127.0.0.1/pull', /127\.0\.0\.1 is a loopback address/, undefined],
    ['https://[::1]/pull', /::1 is the loopback address/, undefined],
    ['https://[::ffff:127.0.0.1]/pull', /IPv4-mapped IPv6 form of 127\.0\.0\.1/, undefined],
    ['https://2130706433/pull', /127\.0\.0\.1 is a loopback/, undefined], // WHATWG URL turns it into 127.0.0.1
    ['https://0x7f.1/pull', /127\.0\.0\.1 is a loopback/, undefined],
    ['https://169.254.169.254/latest/meta-data/', /instance-metadata/, /instance-metadata/],
    ['https://[fe80::1]/', /link-local/, /link-local/],
    ['https://10.0.0.1/', /private-network/, /private-network/],
    ['https://0.0.0.0:8080/', /unspecified/, /unspecified/],
    ['https://user:secret@example.com/', /credentials/, /credentials/],
    ['https://user@example.com/', /credentials/, /credentials/],
    ['https://example.com:25/', /port 25/, undefined],
    ['https://example.com:0/', /port 0/, /port 0/],
    ['ftp://example.com/file', /only http and https/, /only http and https/],
    ['file:///etc/passwd', /only http and https/, /only http and https/],
    ['https://localhost/', undefined, undefined], // a name: checked on its resolved address at connect time
  ];

  it.each(cases)('%s', (url, production, development) => {
    const inProduction = urlProblem(new URL(url), 'production');
    const inDevelopment = urlProblem(new URL(url), 'development');
    if (production) expect(inProduction).toMatch(production);
    else expect(inProduction).toBeUndefined();
    if (development) expect(inDevelopment).toMatch(development);
    else expect(inDevelopment).toBeUndefined();
  });

  it('honours the allow-list for IP-literal hosts', () => {
    expect(urlProblem(new URL('https://127.0.0.1:8443/'), 'production', parseAllowList(['127.0.0.1/32']))).toBe(
      undefined,
    );
  });
});
