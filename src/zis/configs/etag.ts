import type { ConfigRecord } from '../../store/store.js';
import { etagOf } from '../../store/config-edit.js';

// The store checks If-Match inside the write, so the ETag's definition lives there.
export { etagOf, ifMatchAllows } from '../../store/config-edit.js';

/** `If-None-Match` on GET: true when the client's copy is current (answer 304). */
export function ifNoneMatchHits(header: string | undefined, config: ConfigRecord): boolean {
  if (header === undefined) return false;
  const current = etagOf(config);
  return header
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || tag === current || tag === `W/${current}`);
}
