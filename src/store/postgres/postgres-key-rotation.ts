import { planRewrites, type RotationBatch, type StoredValuesRow } from '../encryption/key-rotation.js';
import type { ValueCipher } from '../encryption/value-cipher.js';
import { keyRotationSql as sql } from './key-rotation-queries.js';
import type { PostgresAccess } from './postgres-channel-store.js';

/**
 * One batch of key rotation on PostgreSQL: read, encrypt in this process, then rewrite the
 * batch in one statement, which row-locks only the rows it changes and only while it runs.
 * `updated_at` and `state_version` stay: the values did not change.
 */
export async function reencryptPostgresInstances(
  db: PostgresAccess,
  cipher: ValueCipher,
  batch: { afterId: number; limit: number },
): Promise<RotationBatch> {
  const rows = await db.rows<StoredValuesRow>(sql.storedValues, [batch.afterId, batch.limit]);
  const lastId = rows.at(-1)?.id;
  const rewrites = planRewrites(rows, cipher);
  if (rewrites.length === 0) return { lastId, scanned: rows.length, reencrypted: 0, changedMeanwhile: 0 };
  const reencrypted = await db.transaction(async (client) => {
    const result = await client.query(sql.rewriteValues, [
      rewrites.map((r) => r.id),
      rewrites.map((r) => r.oldMetadata),
      rewrites.map((r) => r.oldState),
      rewrites.map((r) => r.metadata),
      rewrites.map((r) => r.state),
    ]);
    return result.rowCount ?? 0;
  });
  return { lastId, scanned: rows.length, reencrypted, changedMeanwhile: rewrites.length - reencrypted };
}
