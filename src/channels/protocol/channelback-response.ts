/**
 * The JSON an integration answers to a channelback (an agent's reply sent out through
 * the integration).
 */
import {
  checkExternalIdFormat,
  compact,
  failure,
  get,
  type Invalid,
  optionalBoolean,
  optionalString,
  requiredObject,
  requiredString,
  Problems,
} from './checks.js';
import { CHANNELBACK_EXTERNAL_ID_MAX, METADATA_MAX } from './limits.js';

/** A validated channelback answer, keys as on the wire. */
export interface ChannelbackResponse {
  /** The origin service's id for the sent reply; later resources may name it as parent_id. */
  external_id: string;
  allow_channelback?: boolean;
  metadata_needs_update?: boolean;
  /** Absent (or null): keep the stored metadata. */
  metadata?: string;
}

/** The result of {@link validateChannelbackResponse}. */
export type ChannelbackResponseResult = { ok: true; response: ChannelbackResponse } | Invalid;

/**
 * Validates a channelback answer: `external_id` required, 1–255 characters in the
 * `external-id` format (ASCII, no leading or trailing whitespace, as the schema requires);
 * `metadata` at most 5000 characters. Unknown keys are ignored; null counts as absent.
 *
 * Findings carry the `channelback.*` rules (`rules.ts`).
 *
 * @param json The parsed JSON body of the integration's answer.
 */
export function validateChannelbackResponse(json: unknown): ChannelbackResponseResult {
  const problems = new Problems('channelback');
  const obj = requiredObject(problems, '', json, '(channelback response)');
  if (obj === undefined) return failure(problems);
  const externalId = requiredString(problems, 'external_id', get(obj, 'external_id'), {
    min: 1,
    max: CHANNELBACK_EXTERNAL_ID_MAX,
  });
  checkExternalIdFormat(problems, 'external_id', externalId);
  const response: ChannelbackResponse = compact({
    external_id: externalId,
    allow_channelback: optionalBoolean(problems, 'allow_channelback', get(obj, 'allow_channelback')),
    metadata_needs_update: optionalBoolean(problems, 'metadata_needs_update', get(obj, 'metadata_needs_update')),
    metadata: optionalString(problems, 'metadata', get(obj, 'metadata'), { max: METADATA_MAX }),
  });
  return problems.length > 0 ? failure(problems) : { ok: true, response };
}
