import { encryptedColumns } from './encrypting-stores.js';
import type { ValueCipher } from './value-cipher.js';

/** An instance's stored (encrypted or legacy plaintext) values, as rotation reads them. */
export interface StoredValuesRow {
  id: number;
  metadata: string;
  state: string;
}

/** One row to rewrite: written only if it still holds `old*` (else a writer got there first). */
export interface ValueRewrite {
  id: number;
  oldMetadata: string;
  oldState: string;
  metadata: string;
  state: string;
}

/** What one batch of `Store.reencryptInstances` did. */
export interface RotationBatch {
  /** The last id read; the next batch starts after it. Undefined: no rows were left. */
  lastId: number | undefined;
  scanned: number;
  /** Rows rewritten under the current key. */
  reencrypted: number;
  /** Rows that changed between read and rewrite: their writer stored them under its own current key. */
  changedMeanwhile: number;
}

/** The rewrites a batch of rows needs: every value not under the current key, re-encrypted. */
export function planRewrites(rows: StoredValuesRow[], cipher: ValueCipher): ValueRewrite[] {
  return rows
    .filter((row) => !cipher.isCurrent(row.metadata) || !cipher.isCurrent(row.state))
    .map((row) => ({
      id: row.id,
      oldMetadata: row.metadata,
      oldState: row.state,
      metadata: cipher.reencrypt(row.metadata, encryptedColumns.metadata),
      state: cipher.reencrypt(row.state, encryptedColumns.state),
    }));
}

/**
 * Re-encrypts every instance under the current key, batch after batch, each batch one
 * short transaction, so serving nodes keep reading and writing. Idempotent: values already
 * under the current key are left alone, so a second run (or one after an interruption)
 * finishes what is left.
 */
export function rotateInstanceKeys(
  store: { reencryptInstances(batch: { afterId: number; limit: number }): Promise<RotationBatch> },
  options: { batchSize: number; onBatch?: (batch: RotationBatch) => void },
): Promise<RotationTotals> {
  return rotateInBatches((batch) => store.reencryptInstances(batch), options);
}

/** What a rotation did, summed over its batches. */
export interface RotationTotals {
  scanned: number;
  reencrypted: number;
  changedMeanwhile: number;
  batches: number;
}

/**
 * Key rotation's one loop, for instances, registry secrets and inspector bodies alike:
 * `reencrypt` batch after batch from the first id, each after the last one read, until a
 * batch finds no row left.
 */
export async function rotateInBatches(
  reencrypt: (batch: { afterId: number; limit: number }) => Promise<RotationBatch>,
  options: { batchSize: number; onBatch?: (batch: RotationBatch) => void },
): Promise<RotationTotals> {
  const totals = { scanned: 0, reencrypted: 0, changedMeanwhile: 0, batches: 0 };
  let afterId = 0;
  for (;;) {
    const batch = await reencrypt({ afterId, limit: options.batchSize });
    if (batch.lastId === undefined) return totals;
    totals.scanned += batch.scanned;
    totals.reencrypted += batch.reencrypted;
    totals.changedMeanwhile += batch.changedMeanwhile;
    totals.batches += 1;
    options.onBatch?.(batch);
    afterId = batch.lastId;
  }
}
