import { formatTimestamp } from '../../clock.js';
import type { ConfigRevision } from '../../store/store.js';

/**
 * One change as the feed sends it: `{revision, integration, scope, operation, config, etag,
 * changed_at}`. `config` is the config after the change (`null` for a delete), spliced in
 * as stored; `etag` is the one a GET of the config answered after this change.
 */
export function changeJson(change: ConfigRevision): string {
  return (
    `{"revision":${change.revision}` +
    `,"integration":${JSON.stringify(change.integration)}` +
    `,"scope":${JSON.stringify(change.scope)}` +
    `,"operation":"${change.operation}"` +
    `,"config":${change.configJson ?? 'null'}` +
    `,"etag":${JSON.stringify(`"${change.configId}-${change.version}"`)}` +
    `,"changed_at":"${formatTimestamp(change.changedAtSeconds)}"}`
  );
}

/** The long-poll answer: `{"changes": [...], "next_since": N}`. */
export function changeListBody(changes: readonly ConfigRevision[], nextSince: number): string {
  return `{"changes":[${changes.map(changeJson).join(',')}],"next_since":${nextSince}}`;
}
