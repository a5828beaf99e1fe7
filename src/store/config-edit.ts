import { mergePatch } from './merge-patch.js';
import type { ConfigEdit, ConfigRecord, Precondition } from './store.js';

// A config update is data, not a function, so that it can cross to the SQLite writer
// thread; both stores evaluate it here, inside the write, against the current config.

/** A config the store refuses to hold: too large or nested too deep. The API answers 422. */
export class ConfigRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigRefusedError';
  }
}

/** Deepest nesting a config may have. */
export const maxConfigDepth = 64;

/** The config as stored JSON text; {@link ConfigRefusedError} when larger than `maxBytes` or nested too deep. */
export function checkedConfigJson(config: unknown, maxBytes: number): string {
  if (depthOf(config) > maxConfigDepth) {
    throw new ConfigRefusedError(`config is nested more than ${maxConfigDepth} levels deep; flatten it.`);
  }
  const json = JSON.stringify(config);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > maxBytes) {
    throw new ConfigRefusedError(`config is ${bytes} bytes as JSON; the limit is ${maxBytes} bytes.`);
  }
  return json;
}

function depthOf(value: unknown, depth = 0): number {
  // Stop early: a pathological body must not cost more than the limit it breaks.
  if (depth > maxConfigDepth || typeof value !== 'object' || value === null) return depth;
  let deepest = depth + 1;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child, depth + 1));
  return deepest;
}

/** The config's new JSON text: the replacement, or the merge patch (RFC 7396) applied and checked. */
export function editedConfigJson(edit: ConfigEdit, currentJson: string): string {
  if (edit.kind === 'replace') return edit.configJson;
  return checkedConfigJson(mergePatch(JSON.parse(currentJson), edit.patch), edit.maxBytes);
}

/** A strong ETag: the config's id and write count. Ids are never reused, so it is unique. */
export function etagOf(config: Pick<ConfigRecord, 'id' | 'version'>): string {
  return `"${config.id}-${config.version}"`;
}

/** `If-Match`: `*` or a list of strong ETags (weak ones never match, RFC 9110 §13.1.1). */
export function ifMatchAllows(header: string | undefined, config: Pick<ConfigRecord, 'id' | 'version'>): boolean {
  if (header === undefined) return true;
  const tags = header.split(',').map((tag) => tag.trim());
  return tags.includes('*') || tags.includes(etagOf(config));
}

/** Whether a write may go ahead on `config`: no precondition, or its `If-Match` allows it. */
export function preconditionHolds(precondition: Precondition | undefined, config: ConfigRecord): boolean {
  return precondition === undefined || ifMatchAllows(precondition.ifMatch, config);
}
