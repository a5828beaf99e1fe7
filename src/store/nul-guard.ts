/**
 * A value to store contains U+0000. PostgreSQL text cannot hold it, so both stores refuse
 * it, before writing anything, and stay alike (the method tables say which methods check:
 * `method-facts.ts`). Callers validate input before it gets here (the API refuses NUL in
 * instance fields); this is the last line.
 */
export class NulCharacterError extends Error {
  constructor(readonly field: string) {
    super(`${field} contains the NUL character (U+0000), which the store cannot hold; nothing was written`);
    this.name = 'NulCharacterError';
  }
}

/** The path of the first string inside `value` (objects and arrays, however deep) that holds U+0000. */
export function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const found = nulPath(inner, path ? `${path}.${key}` : key);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
