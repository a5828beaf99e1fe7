import type { ScopePattern } from '../store.js';

/**
 * A scope pattern as a SQLite GLOB operand. GLOB is case-sensitive like scopes are, and
 * SQLite turns a GLOB with a literal prefix into a range scan of the scope index.
 * `*`, `?` and `[` are GLOB's own specials; each is made literal as a one-character class.
 */
export function scopeGlob(pattern: ScopePattern): string {
  return pattern.map((part) => part.replace(/[*?[]/g, (c) => `[${c}]`)).join('*');
}
