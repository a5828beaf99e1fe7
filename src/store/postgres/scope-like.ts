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

/**
 * The range of scopes that begin with `prefix`, in the byte order of the `COLLATE "C"`
 * column (UTF-8's byte order is code point order): from the prefix itself up to, not
 * including, the prefix with its last code point made the next one. Undefined for an
 * empty prefix, or one of U+10FFFF alone.
 */
export function prefixRange(prefix: string): [string, string] | undefined {
  const points = [...prefix];
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last === 0x10ffff) continue;
    // The surrogates are no code points of a string PostgreSQL takes: skip past them.
    const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
    return [prefix, points.join('') + String.fromCodePoint(next)];
  }
  return undefined;
}
