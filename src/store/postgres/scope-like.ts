import type { ScopePattern } from '../store.js';

/**
 * A scope pattern (two or more parts) as a PostgreSQL LIKE operand, for use with
 * `ESCAPE '\'`. `%`, `_` and the escape character itself are LIKE's specials; each is made
 * literal with a backslash, and the parts are joined with `%`. LIKE is case-sensitive like
 * scopes are, and on the `COLLATE "C"` scope column a literal prefix becomes a range scan.
 * A one-part pattern is an exact match and is queried with `=` instead.
 */
export function scopeLike(pattern: ScopePattern): string {
  return pattern.map((part) => part.replace(/[\\%_]/g, (c) => `\\${c}`)).join('%');
}
