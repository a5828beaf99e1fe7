/**
 * The JSON an integration answers to a pull: new resources, plus the instance's next
 * `state` and possibly new `metadata`.
 */
import {
  compact,
  failure,
  get,
  type Invalid,
  item,
  optionalBoolean,
  optionalString,
  requiredArray,
  requiredObject,
  Problems,
} from './checks.js';
import { type ExternalResource, validateExternalResource } from './external-resource.js';
import { METADATA_MAX, PULL_RESOURCES_MAX, STATE_MAX } from './limits.js';

/** A validated pull response, keys as on the wire. */
export interface PullResponse {
  /** In the order sent; the host processes them in that order. */
  external_resources: ExternalResource[];
  /** Absent (or null): keep the stored state. */
  state?: string;
  /** Absent (or null): keep the stored metadata; a string, even empty, replaces it. */
  metadata?: string;
  /** True asks an admin to revisit the integration's admin UI. */
  metadata_needs_update?: boolean;
}

/** The result of {@link validatePullResponse}. */
export type PullResponseResult = { ok: true; response: PullResponse } | Invalid;

/**
 * Validates a pull response as a whole: one bad resource refuses the response, since the
 * returned `state` would otherwise skip past it. Every problem names its field, e.g.
 * `external_resources[3].author.external_id: must be 1–255 characters; got 0`.
 *
 * `external_resources` is required and holds at most 200 items (the docs; the schema says 256).
 * `state` and `metadata` are at most 5000 characters (code points, see `characterCount`).
 * Unknown keys are ignored.
 *
 * Findings carry the `pull.*` rules (`rules.ts`).
 *
 * @param json The parsed JSON body of the integration's answer.
 */
export function validatePullResponse(json: unknown): PullResponseResult {
  const problems = new Problems('pull');
  const obj = requiredObject(problems, '', json, '(pull response)');
  if (obj === undefined) return failure(problems);

  const list = requiredArray(problems, 'external_resources', get(obj, 'external_resources'), PULL_RESOURCES_MAX);
  const resources: ExternalResource[] = [];
  list.forEach((entry, index) => {
    const result = validateExternalResource(entry, item('external_resources', index));
    if (result.ok) resources.push(result.resource);
    else problems.addAll(result.findings);
  });
  const response: PullResponse = compact({
    external_resources: resources,
    state: optionalString(problems, 'state', get(obj, 'state'), { max: STATE_MAX }),
    metadata: optionalString(problems, 'metadata', get(obj, 'metadata'), { max: METADATA_MAX }),
    metadata_needs_update: optionalBoolean(problems, 'metadata_needs_update', get(obj, 'metadata_needs_update')),
  });
  return problems.length > 0 ? failure(problems) : { ok: true, response };
}
