import type { FastifyRequest } from 'fastify';
import { AuthenticationFailed } from '../../http/errors.js';
import { checkingFailures } from '../../http/failure-limits.js';
import { secretMatchesHash } from '../../security/secrets.js';
import type { ChannelStore, Instance } from '../../store/channel-store.js';
import type { FailureLimiter } from '../../store/failure-limiter.js';

const bearer = /^bearer\s+(\S+)\s*$/i;

/**
 * The instance a call of the push API acts for: `Authorization: Bearer {zendesk_access_token}`
 * must be the push token handed to that `instance_push_id` in the admin-UI hand-off.
 * A missing or wrong token, an unknown `instance_push_id` and another instance's token all
 * answer the same 401, so nothing reveals which instances exist.
 */
export async function authenticatePush(
  channels: ChannelStore,
  authorization: string | undefined,
  instancePushId: unknown,
): Promise<Instance> {
  const token = authorization === undefined ? undefined : bearer.exec(authorization)?.[1];
  const refused = AuthenticationFailed(
    'Send "Authorization: Bearer {zendesk_access_token}", the token the admin UI received with this instance_push_id.',
  );
  if (token === undefined || typeof instancePushId !== 'string' || instancePushId === '') throw refused;
  const instance = await channels.findInstanceByPushId(instancePushId);
  if (!instance || !secretMatchesHash(token, instance.pushTokenHash)) throw refused;
  return instance;
}

/**
 * {@link authenticatePush} for a request, with failed attempts counted per client address
 * and per `instance_push_id`: past either limit a wrong token answers 429 (Retry-After)
 * instead of 401, so push tokens cannot be guessed at speed. The right token always passes.
 */
export function authenticatePushRequest(
  context: { channels: ChannelStore; failures: FailureLimiter },
  request: FastifyRequest,
  instancePushId: unknown,
): Promise<Instance> {
  const credential = typeof instancePushId === 'string' && instancePushId !== '' ? instancePushId : undefined;
  return checkingFailures(context.failures, request, credential, () =>
    authenticatePush(context.channels, request.headers.authorization, instancePushId),
  );
}
