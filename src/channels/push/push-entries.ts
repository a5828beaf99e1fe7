import type { ExternalResourceResult } from '../protocol/external-resource.js';
import type { PushEntry } from '../../store/push-records.js';

const nul = '\u0000';

/** True when a string anywhere inside `value` holds U+0000. */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(nul);
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value !== null && typeof value === 'object') return Object.values(value).some(holdsNul);
  return false;
}

/** Text to echo back and keep: U+0000 cannot be stored (PostgreSQL text), so it becomes U+FFFD. */
const storable = (text: string) => text.replaceAll(nul, '\uFFFD');

/**
 * The pushed resources as the store takes them, in order: a valid resource as it would be
 * pulled, an invalid one with what is wrong with it (its `processing_error`). A resource
 * holding U+0000 is invalid: the store could not keep it.
 *
 * @param raw The `external_resources` array as sent, for the external ids of invalid ones.
 * @param validated The same resources, validated one by one.
 */
export function pushEntries(raw: readonly unknown[], validated: readonly ExternalResourceResult[]): PushEntry[] {
  return validated.map((result, index): PushEntry => {
    if (result.ok && !holdsNul(result.resource)) {
      const { resource } = result;
      return {
        ok: true,
        externalId: resource.external_id,
        parentId: resource.parent_id ?? null,
        threadId: resource.thread_id ?? null,
        payloadJson: JSON.stringify(resource),
      };
    }
    const sent = (raw[index] as { external_id?: unknown } | null | undefined)?.external_id;
    const problem = result.ok
      ? `external_resources[${index}] contains the NUL character (U+0000), which cannot be stored`
      : result.problems.join('; ');
    return { ok: false, externalId: typeof sent === 'string' ? storable(sent) : '', problem: storable(problem) };
  });
}
