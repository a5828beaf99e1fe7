import { createHash, timingSafeEqual } from 'node:crypto';

/** RFC 7636 §4.1: 43–128 characters of [A-Za-z0-9-._~]. A challenge (S256) has the same alphabet. */
const verifierPattern = /^[A-Za-z0-9\-._~]{43,128}$/;

export function isPkceText(text: string): boolean {
  return verifierPattern.test(text);
}

/** RFC 7636 §4.6 with S256: BASE64URL(SHA256(verifier)) equals the challenge, compared in constant time. */
export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!isPkceText(verifier)) return false;
  const computed = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
