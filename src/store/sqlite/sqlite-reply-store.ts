import type Database from 'better-sqlite3';
import type { ResourceRecord, ThreadRecord } from '../channel-store.js';
import {
  toInstance,
  toJoinedIntegration,
  toResource,
  toThread,
  type InstanceWithIntegrationRow,
  type ResourceRow,
  type ThreadRow,
} from '../channel-rows.js';
import { channelbackEvents } from '../event-rules.js';
import { statusAfter, toReply, type ReplyRow } from '../reply-rows.js';
import type { NewReply, ReplyCompletion, ReplyRecord, ReplyStore, ReplyTarget } from '../reply-store.js';
import type { WriteQueue } from './group-commit.js';
import type { SqliteEventOutbox } from './sqlite-event-outbox.js';
import { replySql } from './reply-queries.js';

const flagOrNull = (value: boolean | undefined) => (value === undefined ? null : value ? 1 : 0);

/**
 * Replies on the embedded SQLite store. Every write goes through the store's group commit;
 * one of several statements runs as one nested transaction, so a failure undoes all of it.
 * Writers take turns, so a claim never hands a reply out twice; across processes,
 * BEGIN IMMEDIATE does.
 */
export class SqliteReplyStore implements ReplyStore {
  private statements: ReturnType<typeof prepareStatements> | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly writes: WriteQueue,
    /** The channel store's outbox: a sent reply's events commit with it. */
    private readonly outbox: SqliteEventOutbox,
  ) {}

  /** Prepared on first use: the tables exist only once the store is migrated. */
  private get q() {
    this.statements ??= prepareStatements(this.db);
    return this.statements;
  }

  async getThread(accountId: number, instanceId: number, threadId: number): Promise<ThreadRecord | undefined> {
    const row = this.q.threadById.get(accountId, instanceId, threadId) as ThreadRow | undefined;
    return row && toThread(row);
  }

  async getResource(accountId: number, instanceId: number, resourceId: number): Promise<ResourceRecord | undefined> {
    const row = this.q.resourceById.get(accountId, instanceId, resourceId) as ResourceRow | undefined;
    return row && toResource(row);
  }

  async createReply(input: NewReply): Promise<ReplyRecord | undefined> {
    const { message, parentId, recipientId, threadKey, requestUniqueIdentifier, nowMs, idempotency } = input;
    // One transaction on the one writer: a racing request with the same key waits its turn
    // and then finds this reply.
    const create = this.db.transaction((): ReplyRow | undefined => {
      if (idempotency) {
        const { key, notBeforeMs } = idempotency;
        const held = this.q.idempotentReply.get(input.accountId, input.instanceId, key, notBeforeMs) as
          ReplyRow | undefined;
        if (held) return held;
        this.q.expireIdempotencyKey.run(input.instanceId, key, notBeforeMs);
      }
      return this.q.insertReply.get(
        message,
        JSON.stringify(input.fileUrls),
        parentId,
        recipientId,
        threadKey,
        requestUniqueIdentifier,
        nowMs,
        nowMs,
        nowMs,
        idempotency?.key ?? null,
        idempotency?.requestHash ?? null,
        input.accountId,
        input.instanceId,
        input.threadId,
      ) as ReplyRow | undefined;
    });
    const row = await this.writes.enqueue(() => create());
    return row && toReply(row);
  }

  async findIdempotentReply(lookup: {
    accountId: number;
    instanceId: number;
    key: string;
    notBeforeMs: number;
  }): Promise<ReplyRecord | undefined> {
    const { accountId, instanceId, key, notBeforeMs } = lookup;
    const row = this.q.idempotentReply.get(accountId, instanceId, key, notBeforeMs) as ReplyRow | undefined;
    return row && toReply(row);
  }

  async getReply(accountId: number, instanceId: number, replyId: number): Promise<ReplyRecord | undefined> {
    const row = this.q.replyById.get(accountId, instanceId, replyId) as ReplyRow | undefined;
    return row && toReply(row);
  }

  async listThreadReplies(accountId: number, instanceId: number, threadId: number): Promise<ReplyRecord[]> {
    return (this.q.listThreadReplies.all(accountId, instanceId, threadId) as ReplyRow[]).map(toReply);
  }

  async claimDueReplies(claim: {
    nowMs: number;
    limit: number;
    leaseMs: number;
    owner: string;
  }): Promise<ReplyTarget[]> {
    const leaseDue = this.db.transaction(() => {
      const ids = this.q.dueReplies.pluck().all(claim.nowMs, claim.nowMs, claim.limit) as number[];
      return ids.map((id): ReplyTarget => {
        const reply = this.q.leaseReply.get(claim.owner, claim.nowMs + claim.leaseMs, claim.nowMs, id) as ReplyRow;
        const joined = this.q.instanceWithIntegration.get(reply.instance_id) as InstanceWithIntegrationRow;
        return {
          reply: toReply(reply),
          instance: toInstance(joined),
          integration: toJoinedIntegration(joined),
          leasedAt: claim.nowMs,
        };
      });
    });
    return this.writes.enqueue(() => leaseDue());
  }

  async renewReplyLeases(renewal: {
    owner: string;
    replyIds: number[];
    nowMs: number;
    leaseMs: number;
  }): Promise<number[]> {
    if (renewal.replyIds.length === 0) return [];
    const until = renewal.nowMs + renewal.leaseMs;
    const ids = JSON.stringify(renewal.replyIds);
    return this.writes.enqueue(() => this.q.renewLeases.pluck().all(until, ids, renewal.owner) as number[]);
  }

  async completeReply(completion: ReplyCompletion): Promise<ReplyRecord | undefined> {
    const complete = this.db.transaction((): ReplyRecord | undefined => {
      const row = this.q.leasedReply.get(completion.replyId, completion.owner) as ReplyRow | undefined;
      if (!row) return undefined;
      const sent = completion.outcome === 'sent';
      if (sent) {
        const stored = this.q.insertReplyResource.run(
          row.instance_id,
          row.thread_id,
          completion.externalId,
          completion.resourcePayloadJson,
          completion.nowMs,
        );
        if (stored.changes > 0) this.q.countIntoThread.run(row.thread_id);
        this.q.applyAnswerToInstance.run(
          completion.newMetadata ?? null,
          flagOrNull(completion.metadataNeedsUpdate),
          completion.nowMs,
          row.instance_id,
        );
        const joined = this.q.instanceWithIntegration.get(row.instance_id) as InstanceWithIntegrationRow;
        this.outbox.enqueue(
          channelbackEvents(toJoinedIntegration(joined), {
            instanceId: row.instance_id,
            instanceName: joined.name,
            channelbackUrl: completion.channelbackUrl ?? '',
            requestId: row.request_unique_identifier,
            externalId: completion.externalId!,
            stored: stored.changes > 0 ? { id: Number(stored.lastInsertRowid), threadId: row.thread_id } : null,
            nowMs: completion.nowMs,
          }),
        );
      }
      const settled = this.q.settleReply.get(
        statusAfter(completion),
        sent ? completion.externalId : null,
        completion.error,
        completion.outcome === 'retry' ? completion.nextAttemptAt : row.next_attempt_at,
        sent ? completion.nowMs : null,
        completion.nowMs,
        row.id,
      ) as ReplyRow;
      return toReply(settled);
    });
    return this.writes.enqueue(() => complete());
  }

  async reportReplyError(report: {
    instanceId: number;
    externalId: string;
    error: string;
    nowMs: number;
  }): Promise<number> {
    const { changes } = await this.writes.enqueue(() =>
      this.q.reportReplyError.run(report.error, report.nowMs, report.instanceId, report.externalId),
    );
    return changes;
  }
}

function prepareStatements(db: Database.Database) {
  return Object.fromEntries(Object.entries(replySql).map(([name, text]) => [name, db.prepare(text)])) as {
    [K in keyof typeof replySql]: Database.Statement;
  };
}
