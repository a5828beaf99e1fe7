import type { ResourceRecord, ThreadRecord } from './channel-store.js';
import {
  toInstance,
  toJoinedIntegration,
  toResource,
  toThread,
  type InstanceWithIntegrationRow,
  type ResourceRow,
  type ThreadRow,
} from './channel-rows.js';
import { channelbackEvents } from './event-rules.js';
import { statusAfter, toReply, type ReplyRow } from './reply-rows.js';
import type { NewReply, ReplyCompletion, ReplyRecord, ReplyStore, ReplyTarget } from './reply-store.js';
import { forDialect } from './sql/render.js';
import { replyStatements } from './sql/replies.js';
import type { OutboxInWrite } from './sql-event-delivery.js';
import { countOf, rowsOf, type SqlRunner } from './sql-runner.js';

/** The reply statements each dialect writes its own way. */
export interface ReplySql {
  /** ($1 now, $2 limit, $3 owner, $4 lease ms) → the leased replies, in any order. */
  readonly claimDue: string;
  /** (until, ids, owner) → the ids still the owner's. */
  readonly renewLeases: string;
  /** (ids) → each instance joined with its integration. */
  readonly instancesWithIntegrations: string;
  /** (reply id): locks what a completion writes, where the engine needs it. */
  readonly lockInstance?: string;
}

/**
 * Replies on either store: a claim is one statement (`FOR UPDATE SKIP LOCKED` on
 * PostgreSQL, the one writer on SQLite); a completion locks what it writes (PostgreSQL: the
 * instance's row, then the reply's) and changes nothing unless its node still holds the lease.
 */
export class SqlReplyStore implements ReplyStore {
  private readonly sql;

  constructor(
    private readonly db: SqlRunner,
    dialectSql: ReplySql,
    /** The channel store's outbox: a sent reply's events commit with it. */
    private readonly outbox: OutboxInWrite,
  ) {
    this.sql = { ...forDialect(db.dialect, replyStatements), ...dialectSql };
  }

  async getThread(accountId: number, instanceId: number, threadId: number): Promise<ThreadRecord | undefined> {
    const [row] = await this.db.rows<ThreadRow>(this.sql.threadById, [accountId, instanceId, threadId]);
    return row && toThread(row);
  }

  async getResource(accountId: number, instanceId: number, resourceId: number): Promise<ResourceRecord | undefined> {
    const [row] = await this.db.rows<ResourceRow>(this.sql.resourceById, [accountId, instanceId, resourceId]);
    return row && toResource(row);
  }

  createReply(input: NewReply): Promise<ReplyRecord | undefined> {
    const { idempotency, nowMs } = input;
    const sql = this.sql;
    return this.db.write(function* () {
      if (idempotency)
        yield* countOf(sql.expireIdempotencyKey, [input.instanceId, idempotency.key, idempotency.notBeforeMs]);
      // With a key, a racing insert of the same key finds it taken and stores nothing: both answer the one reply stored.
      const [row] = yield* rowsOf<ReplyRow>(sql.insertReply, [
        ...[input.message, JSON.stringify(input.fileUrls), input.parentId, input.recipientId, input.threadKey],
        ...[
          input.requestUniqueIdentifier,
          nowMs,
          nowMs,
          nowMs,
          idempotency?.key ?? null,
          idempotency?.requestHash ?? null,
        ],
        ...[input.accountId, input.instanceId, input.threadId],
      ]);
      if (row || !idempotency) return row && toReply(row);
      const values = [input.accountId, input.instanceId, idempotency.key, idempotency.notBeforeMs];
      const [held] = yield* rowsOf<ReplyRow>(sql.idempotentReply, values);
      return held && toReply(held);
    });
  }

  async findIdempotentReply(lookup: {
    accountId: number;
    instanceId: number;
    key: string;
    notBeforeMs: number;
  }): Promise<ReplyRecord | undefined> {
    const { accountId, instanceId, key, notBeforeMs } = lookup;
    const [row] = await this.db.rows<ReplyRow>(this.sql.idempotentReply, [accountId, instanceId, key, notBeforeMs]);
    return row && toReply(row);
  }

  async getReply(accountId: number, instanceId: number, replyId: number): Promise<ReplyRecord | undefined> {
    const [row] = await this.db.rows<ReplyRow>(this.sql.replyById, [accountId, instanceId, replyId]);
    return row && toReply(row);
  }

  async listThreadReplies(accountId: number, instanceId: number, threadId: number): Promise<ReplyRecord[]> {
    return (await this.db.rows<ReplyRow>(this.sql.listThreadReplies, [accountId, instanceId, threadId])).map(toReply);
  }

  async claimDueReplies(claim: {
    nowMs: number;
    limit: number;
    leaseMs: number;
    owner: string;
  }): Promise<ReplyTarget[]> {
    const values = [claim.nowMs, claim.limit, claim.owner, claim.leaseMs];
    const rows = await this.db.writeRows<ReplyRow>(this.sql.claimDue, values);
    if (rows.length === 0) return [];
    // RETURNING follows no particular order.
    rows.sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.id - b.id);
    const instanceIds = [...new Set(rows.map((row) => row.instance_id))];
    const joined = await this.db.rows<InstanceWithIntegrationRow>(this.sql.instancesWithIntegrations, [instanceIds]);
    const byId = new Map(joined.map((row) => [Number(row.id), row]));
    return rows.flatMap((row): ReplyTarget[] => {
      const instance = byId.get(Number(row.instance_id));
      // Deleted since the claim: its replies went with it.
      if (!instance) return [];
      const target = {
        reply: toReply(row),
        instance: toInstance(instance),
        integration: toJoinedIntegration(instance),
      };
      return [{ ...target, leasedAt: claim.nowMs }];
    });
  }

  async renewReplyLeases(renewal: {
    owner: string;
    replyIds: number[];
    nowMs: number;
    leaseMs: number;
  }): Promise<number[]> {
    if (renewal.replyIds.length === 0) return [];
    const values = [renewal.nowMs + renewal.leaseMs, renewal.replyIds, renewal.owner];
    return (await this.db.writeRows<{ id: number }>(this.sql.renewLeases, values)).map((row) => Number(row.id));
  }

  async completeReply(completion: ReplyCompletion): Promise<ReplyRecord | undefined> {
    const { sql, outbox } = this;
    let events = 0;
    const reply = await this.db.write(function* () {
      if (sql.lockInstance) yield* countOf(sql.lockInstance, [completion.replyId]);
      const sent = completion.outcome === 'sent';
      // Nothing changes unless the lease is still this owner's; what follows writes beside it.
      const [row] = yield* rowsOf<ReplyRow>(sql.settleLeasedReply, [
        ...[statusAfter(completion), sent ? completion.externalId : null, completion.error],
        completion.outcome === 'retry' ? completion.nextAttemptAt : null,
        ...[sent ? completion.nowMs : null, completion.nowMs, completion.replyId, completion.owner],
      ]);
      if (!row) return undefined;
      if (sent) {
        const [stored] = yield* rowsOf<{ id: number }>(sql.insertReplyResource, [
          ...[row.instance_id, row.thread_id, completion.externalId, completion.resourcePayloadJson, completion.nowMs],
        ]);
        if (stored) yield* countOf(sql.countIntoThread, [row.thread_id]);
        yield* countOf(sql.applyAnswerToInstance, [
          ...[completion.newMetadata ?? null, completion.metadataNeedsUpdate ?? null, completion.nowMs],
          row.instance_id,
        ]);
        if (completion.integrationTakesEvents === false) return toReply(row);
        const [joined] = yield* rowsOf<InstanceWithIntegrationRow>(sql.instancesWithIntegrations, [[row.instance_id]]);
        events = yield* outbox.enqueueInWrite(
          channelbackEvents(toJoinedIntegration(joined!), {
            instanceId: Number(row.instance_id),
            instanceName: joined!.name,
            channelbackUrl: completion.channelbackUrl ?? '',
            requestId: row.request_unique_identifier,
            externalId: completion.externalId!,
            stored: stored ? { id: Number(stored.id), threadId: Number(row.thread_id) } : null,
            nowMs: completion.nowMs,
          }),
        );
      }
      return toReply(row);
    });
    outbox.committed(events);
    return reply;
  }

  reportReplyError(report: { instanceId: number; externalId: string; error: string; nowMs: number }): Promise<number> {
    const values = [report.error, report.nowMs, report.instanceId, report.externalId];
    return this.db.writeCount(this.sql.reportReplyError, values);
  }
}
