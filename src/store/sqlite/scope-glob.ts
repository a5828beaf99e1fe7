import type { ScopePattern } from '../store.js';

/**
 * A scope pattern as a SQLite GLOB operand. GLOB is case-sensitive like scopes are, and
 * SQLite turns a GLOB with a literal prefix into a range scan of the scope index.
 * `*`, `?` and `[` are GLOB's own specials; each is made literal as a one-character class.
 */
export function scopeGlob(pattern: ScopePattern): string {
  return pattern.map((part) => part.replace(/[*?[]/g, (c) => `[${c}]`)).join('*');
}

/**
 * The smallest string greater than every string that starts with `prefix`: the prefix with
 * its last code point incremented (UTF-8 byte order is code point order, as SQLite's BINARY
 * collation compares). Undefined when the last code point is the highest there is.
 * `scope >= prefix AND scope < upper` is an index range SQLite can use without the
 * re-prepare a bound GLOB operand costs on every execution.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = [...prefix];
  while (codePoints.length > 0) {
    const last = codePoints.pop()!.codePointAt(0)!;
    let next = last + 1;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000; // surrogates are not characters
    if (next <= 0x10ffff) return codePoints.join('') + String.fromCodePoint(next);
  }
  return undefined;
}
