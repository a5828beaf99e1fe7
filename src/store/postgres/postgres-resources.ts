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

/**
 * A lookup sent unnamed, so PostgreSQL plans it for each call with the tables' sizes of the
 * moment. Named, it keeps the plan it chose once the table it probes was still small: a hash
 * join over the whole table, which cost a 20,000-pull run most of its PostgreSQL time as the
 * table grew (until an ANALYZE, which a server without autovacuum never runs).
 */
const replanned = (text: string, values: unknown[]) => ({ text, values });

/** The stored threads of these external ids of one instance, by external id. */
export async function storedThreads(
  client: pg.PoolClient,
  instanceId: number,
  externalIds: readonly string[],
): Promise<Map<string, number>> {
  const { rows } = await client.query<{ external_id: string; thread_id: number }>(
    replanned(sql.storedResources, [externalIds.map(() => instanceId), externalIds]),
  );
  return new Map(rows.map((row) => [row.external_id, row.thread_id]));
}

/**
 * The thread keys {@link planResources} may use for these resources, a superset: each one's
 * `threadId`, and its own external id (the key of a thread it starts).
 */
function candidateThreadKeys(resources: readonly PulledResource[]): string[] {
  const keys = new Set<string>();
  for (const resource of resources) {
    if (resource.threadId !== null) keys.add(resource.threadId);
    keys.add(resource.externalId);
  }
  return [...keys];
}

/**
 * Stores the resources of several instances in order, threading them (`planResources`);
 * duplicates are counted. Two statements whatever the number of instances and resources:
 * what is stored (resources, and threads by every key that may be needed), then the writes. Runs under the instances' row locks, which every writer of an
 * instance's threads and resources takes first, so what it reads stays true until commit.
 * Answers the counts in the order of `items`.
 */
export async function storeResourcesOfMany(
  client: pg.PoolClient,
  items: readonly ResourcesOfInstance[],
): Promise<StoredCounts[]> {
  if (items.length === 0) return [];
  const lookUp = items.map((item) => idsToLookUp(item.resources));
  const keys = items.map((item) => candidateThreadKeys(item.resources));
  const found = await client.query<{ kind: 'resource' | 'thread'; instance_id: number; key: string; id: number }>(
    replanned(sql.storedResourcesAndThreads, [
      items.flatMap((item, i) => lookUp[i]!.map(() => item.instanceId)),
      lookUp.flat(),
      items.flatMap((item, i) => keys[i]!.map(() => item.instanceId)),
      keys.flat(),
    ]),
  );
  const storedOf = new Map<number, Map<string, number>>(items.map((item) => [item.instanceId, new Map()]));
  const threadIds = new Map<number, Map<string, number>>(items.map((item) => [item.instanceId, new Map()]));
  for (const row of found.rows) {
    (row.kind === 'resource' ? storedOf : threadIds).get(row.instance_id)!.set(row.key, Number(row.id));
  }
  const plans = items.map((item) => planResources(item.resources, storedOf.get(item.instanceId)!));

  // Threads by key: found, or created (numbered from 1 here; the statement gives them ids).
  const keyed = items.flatMap((item, i) => plans[i]!.threadKeys.map((key) => ({ item, key })));
  const newThreads = keyed.filter(({ item, key }) => !threadIds.get(item.instanceId)!.has(key));
  const newThreadOf = new Map(newThreads.map(({ item, key }, n) => [`${item.instanceId}\u0000${key}`, n + 1]));
  const rows = items.flatMap((item, i) =>
    plans[i]!.store.map(({ resource, thread }) => {
      if ('id' in thread) return { item, resource, threadId: thread.id, newThread: null };
      const found = threadIds.get(item.instanceId)!.get(thread.key);
      if (found !== undefined) return { item, resource, threadId: found, newThread: null };
      return { item, resource, threadId: null, newThread: newThreadOf.get(`${item.instanceId}\u0000${thread.key}`)! };
    }),
  );
  if (rows.length === 0) return plans.map((plan) => ({ resourcesStored: 0, duplicates: plan.duplicates }));
  const addedToNew = newThreads.map(() => 0);
  const addedToExisting = new Map<number, number>();
  for (const { threadId, newThread } of rows) {
    if (newThread !== null) addedToNew[newThread - 1]!++;
    else addedToExisting.set(threadId!, (addedToExisting.get(threadId!) ?? 0) + 1);
  }
  await client.query(sql.storeThreadsAndResources, [
    newThreads.map(({ item }) => item.instanceId),
    newThreads.map(({ key }) => key),
    addedToNew,
    newThreads.map(({ item }) => item.nowMs),
    rows.map(({ item }) => item.instanceId),
    rows.map(({ threadId }) => threadId),
    rows.map(({ newThread }) => newThread),
    rows.map(({ resource }) => resource.externalId),
    rows.map(({ resource }) => resource.payloadJson),
    rows.map(({ item }) => item.nowMs),
    [...addedToExisting.keys()],
    [...addedToExisting.values()],
  ]);
  return plans.map((plan) => ({ resourcesStored: plan.store.length, duplicates: plan.duplicates }));
}
