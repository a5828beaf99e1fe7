import type { ConfigRecord } from '../../store/store.js';

/** A strong ETag: the config's id and write count. Ids are never reused, so it is unique. */
export function etagOf(config: ConfigRecord): string {
  return `"${config.id}-${config.version}"`;
}

function listedTags(header: string): string[] {
  return header.split(',').map((tag) => tag.trim());
}

/** `If-Match`: `*` or a list of strong ETags (weak ones never match, RFC 9110 §13.1.1). */
export function ifMatchAllows(header: string | undefined, config: ConfigRecord): boolean {
  if (header === undefined) return true;
  const tags = listedTags(header);
  return tags.includes('*') || tags.includes(etagOf(config));
}

/** `If-None-Match` on GET: true when the client's copy is current (answer 304). */
export function ifNoneMatchHits(header: string | undefined, config: ConfigRecord): boolean {
  if (header === undefined) return false;
  const current = etagOf(config);
  return listedTags(header).some((tag) => tag === '*' || tag === current || tag === `W/${current}`);
}
