import type pg from 'pg';
import type { PulledResource } from '../channel-store.js';
import { idsToLookUp, planResources } from '../channel-rules.js';
import { channelSql as sql } from './channel-queries.js';

/** The resources one instance receives (a pull's answer or a push), stored at `nowMs`. */
export interface ResourcesOfInstance {
  instanceId: number;
  resources: readonly PulledResource[];
  nowMs: number;
}

export interface StoredCounts {
  resourcesStored: number;
  duplicates: number;
}

/** The stored threads of these external ids of one instance, by external id. */
export async function storedThreads(
  client: pg.PoolClient,
  instanceId: number,
  externalIds: readonly string[],
): Promise<Map<string, number>> {
  const { rows } = await client.query<{ external_id: string; thread_id: number }>(sql.storedResources, [
    externalIds.map(() => instanceId),
    externalIds,
  ]);
  return new Map(rows.map((row) => [row.external_id, row.thread_id]));
}

/**
 * Stores the resources of several instances in order, threading them (`planResources`);
 * duplicates are counted. Seven statements whatever the number of instances and resources.
 * Runs under the instances' row locks, which every writer of an instance's threads and
 * resources takes first, so what it reads stays true until commit. Answers the counts in
 * the order of `items`.
 */
export async function storeResourcesOfMany(
  client: pg.PoolClient,
  items: readonly ResourcesOfInstance[],
): Promise<StoredCounts[]> {
  const lookUp = items.map((item) => idsToLookUp(item.resources));
  const found = await client.query<{ instance_id: number; external_id: string; thread_id: number }>(
    sql.storedResources,
    [items.flatMap((item, i) => lookUp[i]!.map(() => item.instanceId)), lookUp.flat()],
  );
  const storedOf = new Map<number, Map<string, number>>(items.map((item) => [item.instanceId, new Map()]));
  for (const row of found.rows) storedOf.get(row.instance_id)!.set(row.external_id, row.thread_id);
  const plans = items.map((item) => planResources(item.resources, storedOf.get(item.instanceId)!));

  // Threads by key: found, or created with ids taken in order.
  const keyed = items.flatMap((item, i) => plans[i]!.threadKeys.map((key) => ({ item, key })));
  const threadIds = new Map<number, Map<string, number>>(items.map((item) => [item.instanceId, new Map()]));
  if (keyed.length > 0) {
    const existing = await client.query<{ id: number; instance_id: number; thread_key: string }>(sql.threadsByKey, [
      keyed.map(({ item }) => item.instanceId),
      keyed.map(({ key }) => key),
    ]);
    for (const row of existing.rows) threadIds.get(row.instance_id)!.set(row.thread_key, row.id);
  }
  const newThreads = keyed.filter(({ item, key }) => !threadIds.get(item.instanceId)!.has(key));
  const resourceCount = plans.reduce((sum, plan) => sum + plan.store.length, 0);
  if (resourceCount === 0 && newThreads.length === 0) {
    return plans.map((plan) => ({ resourcesStored: 0, duplicates: plan.duplicates }));
  }
  const ids = await client.query<{ tbl: 'threads' | 'resources'; id: number }>(sql.nextIds, [
    newThreads.length,
    resourceCount,
  ]);
  const idsOf = (table: 'threads' | 'resources') =>
    ids.rows
      .filter((row) => row.tbl === table)
      .map((row) => Number(row.id))
      .sort((a, b) => a - b);
  const threadIdsInOrder = idsOf('threads');
  newThreads.forEach(({ item, key }, n) => threadIds.get(item.instanceId)!.set(key, threadIdsInOrder[n]!));
  if (newThreads.length > 0) {
    await client.query(sql.insertThreads, [
      threadIdsInOrder,
      newThreads.map(({ item }) => item.instanceId),
      newThreads.map(({ key }) => key),
      newThreads.map(({ item }) => item.nowMs),
    ]);
  }

  const rows = items.flatMap((item, i) =>
    plans[i]!.store.map(({ resource, thread }) => ({
      item,
      resource,
      threadId: 'id' in thread ? thread.id : threadIds.get(item.instanceId)!.get(thread.key)!,
    })),
  );
  if (rows.length > 0) {
    await client.query(sql.insertResources, [
      idsOf('resources'),
      rows.map(({ item }) => item.instanceId),
      rows.map(({ threadId }) => threadId),
      rows.map(({ resource }) => resource.externalId),
      rows.map(({ resource }) => resource.payloadJson),
      rows.map(({ item }) => item.nowMs),
    ]);
    const added = new Map<number, number>();
    for (const { threadId } of rows) added.set(threadId, (added.get(threadId) ?? 0) + 1);
    await client.query(sql.countIntoThreads, [[...added.keys()], [...added.values()]]);
  }
  return plans.map((plan) => ({ resourcesStored: plan.store.length, duplicates: plan.duplicates }));
}
