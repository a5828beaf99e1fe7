import type { ChannelIntegration, Instance, ResourceRecord, ThreadRecord } from './channel-store.js';
import { write, read, type MethodTable } from './method-facts.js';
import { openTarget, sealMetadata } from './encryption/encrypting-stores.js';

/**
 * Storage for channelback: agents' replies to a thread, sent to the integration's
 * `channelback_url` by a sender that leases due replies (so several nodes share the work
 * and none sends a reply another is sending), and the thread and resource lookups that
 * replies and clickthrough need.
 *
 * Reads are scoped by `accountId`; another account's rows are simply not found. Times are
 * epoch milliseconds, passed in by the caller.
 */
export interface ReplyStore {
  /** One thread of an instance of the account; undefined when unknown. */
  getThread(accountId: number, instanceId: number, threadId: number): Promise<ThreadRecord | undefined>;
  /** One stored resource of an instance of the account; undefined when unknown. */
  getResource(accountId: number, instanceId: number, resourceId: number): Promise<ResourceRecord | undefined>;

  /**
   * Stores a pending reply, due at once, on a thread of an instance of the account.
   * Undefined (and nothing stored) when the instance or the thread is not the account's.
   * With `idempotency`: when the instance already has a reply with that key created at or
   * after `notBeforeMs`, stores nothing and answers that reply (whatever its thread and
   * request hash: the caller compares them); an older reply with the key loses it. Two
   * racing calls with one key store one reply and both answer it.
   */
  createReply(input: NewReply): Promise<ReplyRecord | undefined>;
  /**
   * The instance's reply created with this `Idempotency-Key` at or after `notBeforeMs`;
   * undefined when there is none (or the instance is not the account's).
   */
  findIdempotentReply(lookup: {
    accountId: number;
    instanceId: number;
    key: string;
    notBeforeMs: number;
  }): Promise<ReplyRecord | undefined>;
  getReply(accountId: number, instanceId: number, replyId: number): Promise<ReplyRecord | undefined>;
  /** The replies of a thread, oldest first. */
  listThreadReplies(accountId: number, instanceId: number, threadId: number): Promise<ReplyRecord[]>;

  /**
   * Leases up to `limit` pending replies that are due and not leased (or whose lease ran
   * out: a dead node's), oldest due first, and counts the attempt. No two callers get the
   * same reply while its lease runs (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
   */
  claimDueReplies(claim: { nowMs: number; limit: number; leaseMs: number; owner: string }): Promise<ReplyTarget[]>;
  /**
   * Extends `owner`'s leases on these pending replies to `nowMs + leaseMs`: a live node
   * keeps the replies it is sending, however slow the integration, and only a dead node's
   * leases run out. Answers the ids it extended: an id missing is no longer `owner`'s (its
   * lease ran out and another caller took it over, or the reply is no longer pending).
   */
  renewReplyLeases(renewal: { owner: string; replyIds: number[]; nowMs: number; leaseMs: number }): Promise<number[]>;
  /**
   * Records the end of one send, in one transaction, if `owner` still holds the lease of
   * the pending reply (else nothing changes and the result is undefined: the lease ran out
   * and another node took the reply over). `sent`: stores the external id, stores it as a
   * resource of the reply's thread (unless the instance has that external id already),
   * applies `newMetadata` and `metadataNeedsUpdate` to the instance, and enqueues the
   * `channelback` event (and `resources_created_from_external_ids` for the stored resource)
   * when the integration takes event callbacks. `retry`: due again at
   * `nextAttemptAt`. `failed`: no more tries. The lease is released.
   */
  completeReply(completion: ReplyCompletion): Promise<ReplyRecord | undefined>;
  /**
   * `channelback/report_error`: marks the instance's replies with this external id failed,
   * with `error` as the reason. Returns how many it marked.
   */
  reportReplyError(report: { instanceId: number; externalId: string; error: string; nowMs: number }): Promise<number>;
}

export type ReplyStatus = 'pending' | 'sent' | 'failed';

export interface NewReply {
  accountId: number;
  instanceId: number;
  threadId: number;
  message: string;
  fileUrls: string[];
  /** `parent_id` sent: the external id of the resource answered. */
  parentId: string;
  /** `recipient_id` sent: that resource's author (may be empty). */
  recipientId: string;
  /** `thread_id` sent. */
  threadKey: string;
  /** The same on every try of this reply. */
  requestUniqueIdentifier: string;
  /** The client's `Idempotency-Key`, scoped to the instance, and what identifies its request. */
  idempotency?: ReplyIdempotency;
  nowMs: number;
}

/** {@link idempotencyKeyPattern}: 1–255 visible ASCII characters (no spaces), e.g. a UUID. */
export const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;

export interface ReplyIdempotency {
  /** Matches {@link idempotencyKeyPattern}. */
  key: string;
  /** SHA-256 (hex) of the canonical JSON of the request body. */
  requestHash: string;
  /** A reply with the key created before this (epoch ms) no longer holds it: 24 h before now. */
  notBeforeMs: number;
}

export interface ReplyRecord {
  id: number;
  instanceId: number;
  threadId: number;
  status: ReplyStatus;
  message: string;
  fileUrls: string[];
  parentId: string;
  recipientId: string;
  threadKey: string;
  requestUniqueIdentifier: string;
  externalId: string | null;
  /** Sends started, the one under way included. */
  attempts: number;
  lastError: string | null;
  nextAttemptAt: number;
  createdAt: number;
  sentAt: number | null;
  updatedAt: number;
  /** The `Idempotency-Key` it was created with, or null. */
  idempotencyKey: string | null;
  /** With a key: SHA-256 of the canonical JSON of the request body; else null. */
  requestHash: string | null;
}

/** What a send needs: the leased reply, its instance (current metadata) and integration. */
export interface ReplyTarget {
  reply: ReplyRecord;
  instance: Instance;
  integration: ChannelIntegration;
  leasedAt: number;
}

export interface ReplyCompletion {
  replyId: number;
  /** The lease holder; a completion from a node whose lease ran out changes nothing. */
  owner: string;
  outcome: 'sent' | 'retry' | 'failed';
  /** Why the send failed; never metadata. Null when sent. */
  error: string | null;
  /** `retry`: when to try again. */
  nextAttemptAt?: number;
  /** `sent`: the integration's id for the reply. */
  externalId?: string;
  /** `sent`: the `channelback_url` it went to, for the `channelback` event. */
  channelbackUrl?: string;
  /**
   * `sent`: false when the integration's manifest, as the claim read it, has no event
   * callback URL, so the completion looks for no events (it skips re-reading the instance
   * and its integration). When true or absent the integration is re-read in the write.
   */
  integrationTakesEvents?: boolean;
  /** `sent`: the resource stored for it, JSON text. */
  resourcePayloadJson?: string;
  /** `sent`: replaces the instance's metadata when given. */
  newMetadata?: string;
  metadataNeedsUpdate?: boolean;
  nowMs: number;
}

/** Channelback replies: the claimed reply's instance is opened, a sent reply's new metadata sealed. */
export const replyStoreTable = {
  getThread: read,
  getResource: read,
  createReply: write,
  findIdempotentReply: { writes: false, nul: { lookup: undefined } },
  getReply: read,
  listThreadReplies: read,
  claimDueReplies: { ...write, open: (targets, cipher) => targets.map((target) => openTarget(target, cipher)) },
  renewReplyLeases: write,
  completeReply: {
    ...write,
    seal: ([completion], cipher) => [{ ...completion, newMetadata: sealMetadata(completion.newMetadata, cipher) }],
  },
  reportReplyError: write,
} satisfies MethodTable<ReplyStore>;
