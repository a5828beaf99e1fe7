/**
 * The body of `POST /api/v2/any_channel/push`, sent by an integration to the host.
 */
import {
  failure,
  get,
  type Invalid,
  item,
  optionalString,
  requiredArray,
  requiredObject,
  requiredString,
  Problems,
} from './checks.js';
import { type ExternalResourceResult, validateExternalResource } from './external-resource.js';
import { EXTERNAL_RESOURCES_MAX, INSTANCE_PUSH_ID_MAX, REQUEST_ID_MAX } from './limits.js';

/** The validated envelope of a push. */
export interface PushRequest {
  instance_push_id: string;
  request_id?: string;
}

/** The result of {@link validatePushRequest}. */
export type PushRequestResult =
  | {
      ok: true;
      request: PushRequest;
      /** One entry per input resource, in order; problems carry `external_resources[i]` paths. */
      resources: ExternalResourceResult[];
    }
  | Invalid;

/**
 * Validates a push body. The envelope must be right — `instance_push_id` (1–255),
 * optional `request_id` (1–64), `external_resources` (an array of at most 256) — or the
 * whole request is refused. Each resource is then judged on its own, because the push
 * API answers one result per resource: a bad resource does not refuse its neighbours.
 * Unknown keys are ignored; a null `request_id` counts as absent.
 *
 * Findings carry the `push.*` rules (`rules.ts`).
 *
 * @param json The parsed JSON body of the push.
 */
export function validatePushRequest(json: unknown): PushRequestResult {
  const problems = new Problems('push');
  const obj = requiredObject(problems, '', json, '(push request)');
  if (obj === undefined) return failure(problems);
  const instancePushId = requiredString(problems, 'instance_push_id', get(obj, 'instance_push_id'), {
    min: 1,
    max: INSTANCE_PUSH_ID_MAX,
  });
  const requestId = optionalString(problems, 'request_id', get(obj, 'request_id'), { min: 1, max: REQUEST_ID_MAX });
  const list = requiredArray(problems, 'external_resources', get(obj, 'external_resources'), EXTERNAL_RESOURCES_MAX);
  if (problems.length > 0) return failure(problems);

  const request: PushRequest = { instance_push_id: instancePushId };
  if (requestId !== undefined) request.request_id = requestId;
  const resources = list.map((entry, index) =>
    validateExternalResource(entry, item('external_resources', index), 'push'),
  );
  return { ok: true, request, resources };
}
