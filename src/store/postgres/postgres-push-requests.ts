import type pg from 'pg';
import type { PushResultRecord } from '../push-records.js';
import { pushSql as sql } from './push-queries.js';

// The push API's idempotency records on PostgreSQL, inside the push's transaction, which
// holds the instance's row lock: a second copy of a push waits for the first to commit,
// then finds its request id taken and reads the stored results.

/** Takes the request id for this push; false when a committed push already holds it. */
export async function claimPushRequest(
  client: pg.PoolClient,
  instanceId: number,
  requestId: string,
  nowMs: number,
): Promise<boolean> {
  const { rowCount } = await client.query(sql.insertPushRequest, [instanceId, requestId, nowMs]);
  return rowCount === 1;
}

export async function storedPushResults(
  client: pg.PoolClient,
  instanceId: number,
  requestId: string,
): Promise<PushResultRecord[]> {
  const found = await findPushResults(client, instanceId, requestId);
  if (!found) throw new Error(`push request ${requestId} of instance ${instanceId} has no stored results`);
  return found;
}

/** The results stored for a request id, if it was processed. */
export async function findPushResults(
  client: pg.PoolClient,
  instanceId: number,
  requestId: string,
): Promise<PushResultRecord[] | undefined> {
  const { rows } = await client.query<{ results: string }>(sql.pushResults, [instanceId, requestId]);
  return rows[0] ? (JSON.parse(rows[0].results) as PushResultRecord[]) : undefined;
}

export async function recordPushResults(
  client: pg.PoolClient,
  instanceId: number,
  requestId: string,
  results: PushResultRecord[],
): Promise<void> {
  await client.query(sql.setPushResults, [instanceId, requestId, JSON.stringify(results)]);
}

export async function purgePushRequests(client: pg.PoolClient, before: number): Promise<void> {
  await client.query(sql.purgePushRequests, [before]);
}
