import type { ReplyRecord } from '../../store/reply-store.js';
import { isoTime } from '../instances/instance-json.js';

/** A reply as the API and the CLI show it. */
export function replyJson(reply: ReplyRecord) {
  return {
    id: reply.id,
    instance_id: reply.instanceId,
    thread_id: reply.threadId,
    status: reply.status,
    message: reply.message,
    file_urls: reply.fileUrls,
    parent_id: reply.parentId,
    recipient_id: reply.recipientId,
    request_unique_identifier: reply.requestUniqueIdentifier,
    external_id: reply.externalId,
    attempts: reply.attempts,
    last_error: reply.lastError,
    created_at: isoTime(reply.createdAt),
    sent_at: isoTime(reply.sentAt),
  };
}
