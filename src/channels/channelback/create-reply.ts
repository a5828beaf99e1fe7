import { randomUUID } from 'node:crypto';
import { NotFound, UnprocessableEntity } from '../../http/errors.js';
import type { ChannelStore } from '../../store/channel-store.js';
import type { ReplyIdempotency, ReplyRecord, ReplyStore } from '../../store/reply-store.js';
import { manifestUrl, storedManifest } from '../integrations/stored-manifest.js';
import { replyInput } from './reply-input.js';

/** What a resource answered by a reply carries, as the integration sent it (or a sent reply's). */
interface AnsweredPayload {
  thread_id?: unknown;
  allow_channelback?: unknown;
  author?: { external_id?: unknown };
  /** Set on the resource a sent reply became (see `send-reply.ts`). */
  channelback?: { recipient_id?: unknown };
}

/**
 * Stores an agent's reply to a thread, pending, for the reply sender. It answers the
 * thread's newest resource (or the one `parent_external_id` names): `parent_id` is that
 * resource's external id, `recipient_id` its author's (for a sent reply's resource, the
 * recipient that reply had), and a resource with `allow_channelback: false` refuses. The
 * `thread_id` sent is the resource's own `thread_id`, else the thread's key. Throws the
 * API's errors (404 unknown ids, 422 bad input), storing nothing.
 */
export async function createReply(
  stores: { channels: ChannelStore; replies: ReplyStore },
  request: {
    accountId: number;
    instanceId: number;
    threadId: number;
    body: unknown;
    mode: 'development' | 'production';
    nowMs: number;
    /** From the `Idempotency-Key` header: the reply then answered may be an earlier one with the key. */
    idempotency?: ReplyIdempotency;
  },
): Promise<ReplyRecord> {
  const { accountId, instanceId, threadId } = request;
  const instance = await stores.channels.getInstance(accountId, instanceId);
  if (!instance) throw NotFound(`No instance ${instanceId}.`);
  const thread = await stores.replies.getThread(accountId, instanceId, threadId);
  if (!thread) throw NotFound(`No thread ${threadId} on instance ${instanceId}.`);
  const input = replyInput(request.body, request.mode);
  const integration = await stores.channels.getIntegration(accountId, instance.integrationId);
  if (!integration) throw NotFound(`No instance ${instanceId}.`);
  if (manifestUrl(integration, 'channelback_url') === null) {
    throw UnprocessableEntity(
      `The integration "${integration.name}" has no channelback_url in its manifest, so it cannot take replies.`,
    );
  }
  if (input.fileUrls.length > 0 && storedManifest(integration).channelback_files !== true) {
    throw UnprocessableEntity(
      `"file_urls" needs "channelback_files": true in the integration's manifest; "${integration.name}" does not take files.`,
    );
  }
  if (!instance.active) throw UnprocessableEntity(`Instance ${instanceId} is deactivated; activate it first.`);

  const resources = await stores.channels.listResources(accountId, instanceId, threadId);
  const answered =
    input.parentExternalId === undefined
      ? resources.at(-1)
      : resources.find((resource) => resource.externalId === input.parentExternalId);
  if (!answered) {
    throw UnprocessableEntity(
      `"parent_external_id" names no resource of thread ${threadId}; use the external_id of one of its resources.`,
    );
  }
  const payload = JSON.parse(answered.payloadJson) as AnsweredPayload;
  if (payload.allow_channelback === false) {
    throw UnprocessableEntity(
      `Resource "${answered.externalId}" of thread ${threadId} has allow_channelback: false; the integration takes no reply to it.`,
    );
  }
  const recipient = payload.channelback?.recipient_id ?? payload.author?.external_id;
  const reply = await stores.replies.createReply({
    accountId,
    instanceId,
    threadId,
    message: input.message,
    fileUrls: input.fileUrls,
    parentId: answered.externalId,
    recipientId: typeof recipient === 'string' ? recipient : '',
    threadKey: typeof payload.thread_id === 'string' ? payload.thread_id : thread.threadKey,
    requestUniqueIdentifier: `sb-reply-${randomUUID()}`,
    ...(request.idempotency ? { idempotency: request.idempotency } : {}),
    nowMs: request.nowMs,
  });
  // Deleted meanwhile.
  if (!reply) throw NotFound(`No thread ${threadId} on instance ${instanceId}.`);
  return reply;
}
