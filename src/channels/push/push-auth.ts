import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AuthenticationFailed } from '../../http/errors.js';
import { checkingFailures } from '../../http/failure-limits.js';
import { hashSecret } from '../../security/secrets.js';
import type { ChannelStore, Instance } from '../../store/channel-store.js';
import type { FailureLimiter } from '../../store/failure-limiter.js';

const bearer = /^bearer\s+(\S+)\s*$/i;

/** What push authentication reads: the instances, and the failure counts. */
export interface PushAuthContext {
  channels: ChannelStore;
  failures: FailureLimiter;
  /**
   * Whether the request's Host allows the account: true unless the Host is
   * `{subdomain}.{SWITCHBOARD_BASE_DOMAIN}` naming another account (or none).
   */
  hostAllows: HostAllows;
}

/** See `PushAuthContext.hostAllows`. */
export type HostAllows = (request: FastifyRequest, accountId: number) => Promise<boolean>;

const refused = () =>
  AuthenticationFailed(
    'Send "Authorization: Bearer {zendesk_access_token}", the token the admin UI received with this instance_push_id.',
  );

/** The instance each request's push token named, found before its body was read. */
const tokenInstances = new WeakMap<FastifyRequest, Instance>();

/**
 * The instance a push token belongs to, from the `Authorization` header alone: a push
 * token's hash names one instance (a unique index), so no body is needed to find it.
 * A missing or wrong token answers 401.
 */
export async function authenticatePushToken(
  channels: ChannelStore,
  authorization: string | undefined,
  hostAllowed: (accountId: number) => Promise<boolean> = async () => true,
): Promise<Instance> {
  const token = authorization === undefined ? undefined : bearer.exec(authorization)?.[1];
  if (token === undefined) throw refused();
  // The lookup is by the token's SHA-256 (tokens are 256 random bits), as for admin tokens.
  const instance = await channels.findInstanceByPushTokenHash(hashSecret(token));
  // On another account's host the token is as unknown as a wrong one (nothing says it exists).
  if (!instance || !(await hostAllowed(instance.accountId))) throw refused();
  return instance;
}

/**
 * An `onRequest` hook for every route that takes the push token: checks the token before
 * a byte of the body is read, with failures counted per client address and per token
 * (past either limit: 429 with Retry-After, so tokens cannot be guessed at speed). A
 * refused request's body is never buffered (see `http/body-budget.ts` for the connection).
 */
export function pushTokenHook(context: PushAuthContext): onRequestAsyncHookHandler {
  return async function checkPushToken(request) {
    const authorization = request.headers.authorization;
    const instance = await checkingFailures(context.failures, request, authorization, () =>
      authenticatePushToken(context.channels, authorization, (accountId) => context.hostAllows(request, accountId)),
    );
    tokenInstances.set(request, instance);
    request.credentialsChecked = true;
  };
}

/** The instance the request's push token named (set by {@link pushTokenHook}), if any. */
export function tokenInstanceOf(request: FastifyRequest): Instance | undefined {
  return tokenInstances.get(request);
}

/**
 * After the body is read: the instance the token named, provided the body's
 * `instance_push_id` names that same instance. Another instance's push id, an unknown one
 * and a missing one all answer the same 401 as a wrong token (counted like one), so
 * nothing reveals which instances exist.
 */
export function pushInstanceOf(
  context: PushAuthContext,
  request: FastifyRequest,
  instancePushId: unknown,
): Promise<Instance> {
  const credential = typeof instancePushId === 'string' && instancePushId !== '' ? instancePushId : undefined;
  return checkingFailures(context.failures, request, credential, async () => {
    const instance = tokenInstances.get(request);
    if (!instance || credential === undefined || credential !== instance.instancePushId) throw refused();
    return instance;
  });
}
