import type { ScopePattern } from '../../store/store.js';
import { maxScopeLength } from '../names.js';

/**
 * `filter[scope]` as a pattern: `*` matches any run of characters, anywhere; every other
 * character is literal. Returns the literal parts between wildcards, or a problem.
 */
export function parseScopeFilter(filter: string): { pattern: ScopePattern } | { problem: string } {
  if (filter.length === 0) return { problem: 'filter[scope] must not be empty; use "*" to list every scope' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(filter)) {
    return { problem: 'filter[scope] must not contain control characters: no scope has them' };
  }
  // A pattern can be longer than a scope only by its wildcards.
  const literalLength = filter.replaceAll('*', '').length;
  if (literalLength > maxScopeLength) {
    return { problem: `filter[scope] can match no scope: scopes are at most ${maxScopeLength} characters` };
  }
  // Runs of `*` mean the same as one; collapsing them keeps the SQL pattern small.
  return { pattern: filter.replace(/\*+/g, '*').split('*') };
}
