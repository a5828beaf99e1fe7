import { characterCount } from '../protocol/limits.js';

/** Keys whose values are secrets or opaque instance data: never shown, only measured. */
const secretKeys = new Set(['metadata', 'state', 'zendesk_access_token', 'access_token', 'token']);
const shownMax = 80;

/**
 * The value at a finding's `path` (`external_resources[3].author.external_id`) in `json`,
 * as the report shows it: strings quoted and cut to 80 characters, metadata, state and
 * tokens replaced by their length, objects and arrays by their size. Undefined when the
 * path names nothing.
 */
export function shownValueAt(json: unknown, path: string | undefined): string | undefined {
  if (path === undefined || path === '' || path.startsWith('(')) return undefined;
  let value: unknown = json;
  let lastKey = '';
  for (const part of path.split(/\.|(?=\[)/)) {
    if (value === null || typeof value !== 'object') return undefined;
    const index = /^\[(\d+)\]$/.exec(part);
    if (index) {
      if (!Array.isArray(value)) return undefined;
      value = value[Number(index[1])];
    } else {
      if (!Object.hasOwn(value, part)) return undefined;
      value = (value as Record<string, unknown>)[part];
      lastKey = part;
    }
  }
  return shownValue(value, secretKeys.has(lastKey));
}

/** One value as the report shows it; `secret`: only its length. */
export function shownValue(value: unknown, secret = false): string {
  if (typeof value === 'string') {
    const count = characterCount(value);
    if (secret) return `(redacted, ${count} characters)`;
    const chars = [...value];
    return (
      JSON.stringify(count > shownMax ? `${chars.slice(0, shownMax).join('')}…` : value) +
      (count > shownMax ? ` (${count} characters)` : '')
    );
  }
  if (secret) return '(redacted)';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}
