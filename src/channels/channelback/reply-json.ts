import type { ReplyRecord } from '../../store/reply-store.js';
import { isoTime } from '../instances/instance-json.js';
import { nullableTimestamp, timestamp } from '../../http/response-schemas.js';

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

/** `replyJson`'s shape, for route schemas (serialisation and the OpenAPI document). */
export const replySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    instance_id: { type: 'integer' },
    thread_id: { type: 'integer' },
    status: { type: 'string', enum: ['pending', 'sent', 'failed'] },
    message: { type: 'string' },
    file_urls: { type: 'array', items: { type: 'string' } },
    parent_id: { type: 'string' },
    recipient_id: { type: 'string' },
    request_unique_identifier: { type: 'string' },
    external_id: { type: ['string', 'null'], description: "The channelback's answer; null until sent." },
    attempts: { type: 'integer' },
    last_error: { type: ['string', 'null'] },
    created_at: timestamp,
    sent_at: nullableTimestamp,
  },
} as const;
