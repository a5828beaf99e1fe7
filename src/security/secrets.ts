import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A new secret: 32 random bytes, base64url, with an optional readable prefix.
 * 256 bits of entropy is why a plain SHA-256 is the right stored form: there is nothing
 * for a slow hash to protect against guessing.
 */
export function generateSecret(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** The only form in which tokens and secrets are stored. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented secret against a stored hash. */
export function secretMatchesHash(secret: string, hash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
