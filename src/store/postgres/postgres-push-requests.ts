import type pg from 'pg';
import type { PushRequestRecord, PushResultRecord } from '../push-records.js';
import { pushSql as sql } from './push-queries.js';

// The push API's idempotency records on PostgreSQL, inside the push's transaction, which
// holds the instance's row lock: a second copy of a push waits for the first to commit,
// then finds its request id taken and reads the stored results.

/** Takes the request id for this push; false when a committed push already holds it. */
export async function claimPushRequest(
  client: pg.PoolClient,
  instanceId: number,
  requestId: string,
  bodyHash: string,
  nowMs: number,
): Promise<boolean> {
  const { rowCount } = await client.query(sql.insertPushRequest, [instanceId, requestId, bodyHash, nowMs]);
  return rowCount === 1;
}

export async function storedPushRequest(
  client: pg.PoolClient,
  instanceId: number,
  requestId: string,
): Promise<PushRequestRecord> {
  const found = await findPushRequest(client, instanceId, requestId);
  if (!found) throw new Error(`push request ${requestId} of instance ${instanceId} has no stored results`);
  return found;
}

/** The record of a request id, if it was processed. */
export async function findPushRequest(
  client: pg.PoolClient,
  instanceId: number,
  requestId: string,
): Promise<PushRequestRecord | undefined> {
  const { rows } = await client.query<{ results: string; body_hash: string | null }>(sql.pushRequest, [
    instanceId,
    requestId,
  ]);
  const row = rows[0];
  return row && { results: JSON.parse(row.results) as PushResultRecord[], bodyHash: row.body_hash };
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
