import { formatTimestamp } from '../../clock.js';
import type { ConfigRevision } from '../../store/store.js';

/** A revision's ETag: the config's, as the ETag header had it after the change (`"id-version"`, quotes included). */
export const revisionEtag = (revision: ConfigRevision): string => `"${revision.configId}-${revision.version}"`;

/**
 * A revision as the API answers it:
 * `{revision, integration, scope, operation, config, etag, changed_at, actor}`. The stored
 * config text is spliced in as it is (`null` for a delete). `actor` is left out where a
 * reader must not learn who made a change (the change feed).
 */
export function revisionJson(revision: ConfigRevision, options: { actor: boolean } = { actor: true }): string {
  const base =
    `{"revision":${revision.revision}` +
    `,"integration":${JSON.stringify(revision.integration)}` +
    `,"scope":${JSON.stringify(revision.scope)}` +
    `,"operation":"${revision.operation}"` +
    `,"config":${revision.configJson ?? 'null'}` +
    `,"etag":${JSON.stringify(revisionEtag(revision))}` +
    `,"changed_at":"${formatTimestamp(revision.changedAtSeconds)}"`;
  if (!options.actor) return `${base}}`;
  const { type, id, requestId } = revision.actor;
  return (
    `${base},"actor":{"type":"${type}","id":${JSON.stringify(id)}` +
    `,"request_id":${requestId === undefined ? 'null' : JSON.stringify(requestId)}}}`
  );
}

/** The list body: `revisions` newest first, `links.next` (a URL, or null on the last page), `meta.has_more`. */
export function revisionListBody(revisions: ConfigRevision[], nextUrl: string | undefined): string {
  return (
    `{"revisions":[${revisions.map((r) => revisionJson(r)).join(',')}]` +
    `,"links":{"next":${nextUrl === undefined ? 'null' : JSON.stringify(nextUrl)}}` +
    `,"meta":{"has_more":${nextUrl !== undefined}}}`
  );
}
