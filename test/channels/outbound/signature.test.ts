import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signBody, verifySignature } from '../../../src/channels/outbound/signature.js';

const SECRET = 'whsec_test_secret';
const BODY = 'metadata=%7B%22token%22%3A%22abc%22%7D&state=%7B%7D';
const NOW = 1_700_000_000;

describe('signBody', () => {
  it('writes t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    const expected = createHmac('sha256', SECRET).update(`${NOW}.${BODY}`).digest('hex');
    expect(signBody(SECRET, BODY, NOW)).toBe(`t=${NOW},v1=${expected}`);
  });

  it('signs bytes and their UTF-8 string alike', () => {
    const text = 'message=héllo 😀';
    expect(signBody(SECRET, Buffer.from(text, 'utf8'), NOW)).toBe(signBody(SECRET, text, NOW));
  });

  it('refuses an empty secret and a bad timestamp', () => {
    expect(() => signBody('', BODY, NOW)).toThrow(/empty/);
    expect(() => signBody(SECRET, BODY, 1.5)).toThrow(/whole seconds/);
    expect(() => signBody(SECRET, BODY, -1)).toThrow(/whole seconds/);
  });
});

describe('verifySignature', () => {
  const header = signBody(SECRET, BODY, NOW);

  it('accepts its own signature, at once and up to the tolerance either way', () => {
    expect(verifySignature(SECRET, BODY, header, NOW)).toBe(true);
    expect(verifySignature(SECRET, BODY, header, NOW + 300)).toBe(true);
    expect(verifySignature(SECRET, BODY, header, NOW - 300)).toBe(true);
    expect(verifySignature(SECRET, Buffer.from(BODY), header, NOW)).toBe(true);
  });

  it('refuses a tampered body, a wrong secret, a tampered signature or timestamp', () => {
    expect(verifySignature(SECRET, BODY.replace('abc', 'abd'), header, NOW)).toBe(false);
    expect(verifySignature(SECRET, `${BODY}&x=1`, header, NOW)).toBe(false);
    expect(verifySignature('other-secret', BODY, header, NOW)).toBe(false);
    const flipped = header.slice(0, -1) + (header.endsWith('0') ? '1' : '0');
    expect(verifySignature(SECRET, BODY, flipped, NOW)).toBe(false);
    expect(verifySignature(SECRET, BODY, header.replace(`t=${NOW}`, `t=${NOW + 1}`), NOW)).toBe(false);
  });

  it('refuses an old timestamp (replay) and one too far in the future', () => {
    expect(verifySignature(SECRET, BODY, header, NOW + 301)).toBe(false);
    expect(verifySignature(SECRET, BODY, header, NOW - 301)).toBe(false);
    expect(verifySignature(SECRET, BODY, header, NOW + 3600, 3600)).toBe(true);
    expect(verifySignature(SECRET, BODY, header, NOW + 3601, 3600)).toBe(false);
  });

  it('accepts any one matching v1 (secret rotation) and ignores unknown parts', () => {
    const v1 = header.split('v1=')[1];
    const stale = '0'.repeat(64);
    expect(verifySignature(SECRET, BODY, `t=${NOW},v1=${stale},v1=${v1}`, NOW)).toBe(true);
    expect(verifySignature(SECRET, BODY, `t=${NOW}, v0=whatever, v1=${v1}`, NOW)).toBe(true);
    expect(verifySignature(SECRET, BODY, `t=${NOW},v1=${stale}`, NOW)).toBe(false);
  });

  it.each([
    undefined,
    '',
    'garbage',
    `t=${NOW}`,
    'v1=' + '0'.repeat(64),
    `t=abc,v1=${'0'.repeat(64)}`,
    `t=${NOW},t=${NOW},v1=${'0'.repeat(64)}`,
    `t=${NOW},v1=xyz`,
  ])('returns false, never throws, for the header %s', (bad) => {
    expect(verifySignature(SECRET, BODY, bad, NOW)).toBe(false);
  });

  it('returns false for an empty secret', () => {
    expect(verifySignature('', BODY, header, NOW)).toBe(false);
  });
});
