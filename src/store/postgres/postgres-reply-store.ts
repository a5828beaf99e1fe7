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
import type { PostgresAccess } from './postgres-channel-store.js';
import type { PostgresEventOutbox } from './postgres-event-outbox.js';
import { replySql as sql } from './reply-queries.js';

/**
 * Replies on PostgreSQL, for several nodes sharing one database: the sender's claim is one
 * statement with `FOR UPDATE SKIP LOCKED`; a completion row-locks the instance, then the
 * reply, and changes nothing unless its node still holds the lease.
 */
export class PostgresReplyStore implements ReplyStore {
  constructor(
    private readonly db: PostgresAccess,
    /** The channel store's outbox: a sent reply's events commit with it. */
    private readonly outbox: PostgresEventOutbox,
  ) {}

  async getThread(accountId: number, instanceId: number, threadId: number): Promise<ThreadRecord | undefined> {
    const [row] = await this.db.rows<ThreadRow>(sql.threadById, [accountId, instanceId, threadId]);
    return row && toThread(row);
  }

  async getResource(accountId: number, instanceId: number, resourceId: number): Promise<ResourceRecord | undefined> {
    const [row] = await this.db.rows<ResourceRow>(sql.resourceById, [accountId, instanceId, resourceId]);
    return row && toResource(row);
  }

  async createReply(input: NewReply): Promise<ReplyRecord | undefined> {
    const { idempotency } = input;
    if (idempotency) {
      await this.db.rows(sql.expireIdempotencyKey, [input.instanceId, idempotency.key, idempotency.notBeforeMs]);
    }
    // With a key, a racing insert of the same key waits for the other to commit, then does
    // nothing (ON CONFLICT): both answer the one reply stored.
    const [row] = await this.db.rows<ReplyRow>(sql.insertReply, [
      input.message,
      JSON.stringify(input.fileUrls),
      input.parentId,
      input.recipientId,
      input.threadKey,
      input.requestUniqueIdentifier,
      input.nowMs,
      input.accountId,
      input.instanceId,
      input.threadId,
      idempotency?.key ?? null,
      idempotency?.requestHash ?? null,
    ]);
    if (row || !idempotency) return row && toReply(row);
    return this.findIdempotentReply({ ...input, key: idempotency.key, notBeforeMs: idempotency.notBeforeMs });
  }

  async findIdempotentReply(lookup: {
    accountId: number;
    instanceId: number;
    key: string;
    notBeforeMs: number;
  }): Promise<ReplyRecord | undefined> {
    const { accountId, instanceId, key, notBeforeMs } = lookup;
    const [row] = await this.db.rows<ReplyRow>(sql.idempotentReply, [accountId, instanceId, key, notBeforeMs]);
    return row && toReply(row);
  }

  async getReply(accountId: number, instanceId: number, replyId: number): Promise<ReplyRecord | undefined> {
    const [row] = await this.db.rows<ReplyRow>(sql.replyById, [accountId, instanceId, replyId]);
    return row && toReply(row);
  }

  async listThreadReplies(accountId: number, instanceId: number, threadId: number): Promise<ReplyRecord[]> {
    return (await this.db.rows<ReplyRow>(sql.listThreadReplies, [accountId, instanceId, threadId])).map(toReply);
  }

  async claimDueReplies(claim: {
    nowMs: number;
    limit: number;
    leaseMs: number;
    owner: string;
  }): Promise<ReplyTarget[]> {
    const rows = await this.db.rows<ReplyRow>(sql.claimDue, [claim.nowMs, claim.limit, claim.owner, claim.leaseMs]);
    if (rows.length === 0) return [];
    // RETURNING follows no particular order.
    rows.sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.id - b.id);
    const instanceIds = [...new Set(rows.map((row) => row.instance_id))];
    const joined = await this.db.rows<InstanceWithIntegrationRow>(sql.instancesWithIntegrations, [instanceIds]);
    const byId = new Map(joined.map((row) => [Number(row.id), row]));
    return rows.flatMap((row): ReplyTarget[] => {
      const instance = byId.get(Number(row.instance_id));
      // Deleted since the claim: its replies went with it.
      if (!instance) return [];
      return [
        {
          reply: toReply(row),
          instance: toInstance(instance),
          integration: toJoinedIntegration(instance),
          leasedAt: claim.nowMs,
        },
      ];
    });
  }

  async renewReplyLeases(renewal: {
    owner: string;
    replyIds: number[];
    nowMs: number;
    leaseMs: number;
  }): Promise<number[]> {
    if (renewal.replyIds.length === 0) return [];
    const rows = await this.db.rows<{ id: number }>(sql.renewLeases, [
      renewal.nowMs + renewal.leaseMs,
      renewal.replyIds,
      renewal.owner,
    ]);
    return rows.map((row) => row.id);
  }

  async completeReply(completion: ReplyCompletion): Promise<ReplyRecord | undefined> {
    let events = 0;
    const reply = await this.db.transaction(async (client) => {
      await client.query(sql.lockInstance, [completion.replyId]);
      const { rows } = await client.query<ReplyRow>(sql.leasedReplyForUpdate, [completion.replyId, completion.owner]);
      const row = rows[0];
      if (!row) return undefined;
      const sent = completion.outcome === 'sent';
      if (sent) {
        const stored = await client.query(sql.insertReplyResource, [
          row.instance_id,
          row.thread_id,
          completion.externalId,
          completion.resourcePayloadJson,
          completion.nowMs,
        ]);
        if (stored.rowCount) await client.query(sql.countIntoThread, [row.thread_id]);
        await client.query(sql.applyAnswerToInstance, [
          completion.newMetadata ?? null,
          completion.metadataNeedsUpdate ?? null,
          completion.nowMs,
          row.instance_id,
        ]);
        const joined = await client.query<InstanceWithIntegrationRow>(sql.instancesWithIntegrations, [
          [row.instance_id],
        ]);
        const storedId = (stored.rows[0] as { id: number } | undefined)?.id;
        events = await this.outbox.enqueue(
          client,
          channelbackEvents(toJoinedIntegration(joined.rows[0]!), {
            instanceId: Number(row.instance_id),
            instanceName: joined.rows[0]!.name,
            channelbackUrl: completion.channelbackUrl ?? '',
            requestId: row.request_unique_identifier,
            externalId: completion.externalId!,
            stored: storedId === undefined ? null : { id: Number(storedId), threadId: Number(row.thread_id) },
            nowMs: completion.nowMs,
          }),
        );
      }
      const settled = await client.query<ReplyRow>(sql.settleReply, [
        statusAfter(completion),
        sent ? completion.externalId : null,
        completion.error,
        completion.outcome === 'retry' ? completion.nextAttemptAt : row.next_attempt_at,
        sent ? completion.nowMs : null,
        completion.nowMs,
        row.id,
      ]);
      return toReply(settled.rows[0]!);
    });
    if (events > 0) this.outbox.notifyCommitted();
    return reply;
  }

  async reportReplyError(report: {
    instanceId: number;
    externalId: string;
    error: string;
    nowMs: number;
  }): Promise<number> {
    const rows = await this.db.rows<{ id: number }>(sql.reportReplyError, [
      report.error,
      report.nowMs,
      report.instanceId,
      report.externalId,
    ]);
    return rows.length;
  }
}
