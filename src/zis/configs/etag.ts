// The store checks If-Match inside the write, so the ETag's definition lives there.
export { etagOf, ifMatchAllows } from '../../store/config-edit.js';

/** `If-None-Match` on GET: true when the client's copy, `current`, is current (answer 304). */
export function ifNoneMatchHits(header: string | undefined, current: string): boolean {
  if (header === undefined) return false;
  return header
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || tag === current || tag === `W/${current}`);
}
