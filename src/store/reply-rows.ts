import type { ReplyCompletion, ReplyRecord, ReplyStatus } from './reply-store.js';

// The replies table's rows as both stores read them, and their records.

export interface ReplyRow {
  id: number;
  instance_id: number;
  thread_id: number;
  status: ReplyStatus;
  message: string;
  file_urls: string;
  parent_id: string;
  recipient_id: string;
  thread_key: string;
  request_unique_identifier: string;
  external_id: string | null;
  attempts: number;
  last_error: string | null;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  created_at: number;
  sent_at: number | null;
  updated_at: number;
  idempotency_key: string | null;
  request_hash: string | null;
}

export const toReply = (row: ReplyRow): ReplyRecord => ({
  id: Number(row.id),
  instanceId: Number(row.instance_id),
  threadId: Number(row.thread_id),
  status: row.status,
  message: row.message,
  fileUrls: JSON.parse(row.file_urls) as string[],
  parentId: row.parent_id,
  recipientId: row.recipient_id,
  threadKey: row.thread_key,
  requestUniqueIdentifier: row.request_unique_identifier,
  externalId: row.external_id,
  attempts: row.attempts,
  lastError: row.last_error,
  nextAttemptAt: Number(row.next_attempt_at),
  createdAt: Number(row.created_at),
  sentAt: row.sent_at === null ? null : Number(row.sent_at),
  updatedAt: Number(row.updated_at),
  idempotencyKey: row.idempotency_key,
  requestHash: row.request_hash,
});

/** The status a completion leaves its reply in. */
export const statusAfter = (completion: ReplyCompletion): ReplyStatus =>
  completion.outcome === 'retry' ? 'pending' : completion.outcome;
