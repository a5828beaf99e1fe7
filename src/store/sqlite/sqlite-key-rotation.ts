import type Database from 'better-sqlite3';
import {
  planRewrites,
  type RotationBatch,
  type StoredValuesRow,
  type ValueRewrite,
} from '../encryption/key-rotation.js';
import type { ValueCipher } from '../encryption/value-cipher.js';
import { keyRotationSql } from './key-rotation-queries.js';

/**
 * One batch of key rotation on SQLite: read outside any transaction, encrypt outside it,
 * then rewrite in one group-commit write (`rewrite`), so other writers wait for a few
 * hundred UPDATEs by primary key at most.
 * `updated_at` and `state_version` stay: the values did not change.
 */
export async function reencryptSqliteInstances(
  db: Database.Database,
  rewrite: (rewrites: ValueRewrite[]) => Promise<number>,
  cipher: ValueCipher,
  batch: { afterId: number; limit: number },
): Promise<RotationBatch> {
  const rows = db.prepare(keyRotationSql.storedValues).all(batch.afterId, batch.limit) as StoredValuesRow[];
  const lastId = rows.at(-1)?.id;
  const rewrites = planRewrites(rows, cipher);
  if (rewrites.length === 0) return { lastId, scanned: rows.length, reencrypted: 0, changedMeanwhile: 0 };
  const reencrypted = await rewrite(rewrites);
  return { lastId, scanned: rows.length, reencrypted, changedMeanwhile: rewrites.length - reencrypted };
}

/** Inside a write: each row rewritten only if it still holds its old values. Returns how many were. */
export function rewriteSqliteValues(db: Database.Database, rewrites: readonly ValueRewrite[]): number {
  const rewrite = db.prepare(keyRotationSql.rewriteValues);
  return rewrites.reduce(
    (count, r) => count + rewrite.run(r.metadata, r.state, r.id, r.oldMetadata, r.oldState).changes,
    0,
  );
}
