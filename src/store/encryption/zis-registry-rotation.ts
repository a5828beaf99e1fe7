import type { ZisRegistryStorage, ZisRegistryStore } from '../zis-registry-store.js';
import { secretColumns, type SecretTable } from './encrypting-zis-registry.js';
import { rotateInBatches, type RotationBatch, type RotationTotals } from './key-rotation.js';
import type { ValueCipher } from './value-cipher.js';

// Key rotation of the ZIS registry's secrets, batch by batch (`keys rotate`).

/** The registry storage with key rotation added: the contract the method table wraps. */
export function withSecretRotation(store: ZisRegistryStorage, cipher: ValueCipher): ZisRegistryStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'reencryptSecrets') {
        return (batch: { table: SecretTable; afterId: number; limit: number }) =>
          reencryptSecrets(target, cipher, batch);
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  }) as unknown as ZisRegistryStore;
}

/** One batch of one table: read, re-encrypt here, rewrite each row only if it still holds what was read. */
async function reencryptSecrets(
  store: ZisRegistryStorage,
  cipher: ValueCipher,
  batch: { table: SecretTable; afterId: number; limit: number },
): Promise<RotationBatch> {
  const rows = await store.storedSecrets(batch.table, batch.afterId, batch.limit);
  const lastId = rows.at(-1)?.id;
  const column = secretColumns[batch.table];
  const rewrites = rows
    .filter((row) => !cipher.isCurrent(row.secret))
    .map((row) => ({ id: row.id, old: row.secret, secret: cipher.reencrypt(row.secret, column) }));
  if (rewrites.length === 0) return { lastId, scanned: rows.length, reencrypted: 0, changedMeanwhile: 0 };
  const reencrypted = await store.rewriteSecrets(batch.table, rewrites);
  return { lastId, scanned: rows.length, reencrypted, changedMeanwhile: rewrites.length - reencrypted };
}

/** Every registry secret under the current key, table by table, batch after batch. Idempotent. */
export async function rotateZisSecretKeys(
  store: Pick<ZisRegistryStore, 'reencryptSecrets'>,
  options: { batchSize: number },
): Promise<Omit<RotationTotals, 'batches'>> {
  const totals = { scanned: 0, reencrypted: 0, changedMeanwhile: 0 };
  for (const table of Object.keys(secretColumns) as SecretTable[]) {
    const done = await rotateInBatches((batch) => store.reencryptSecrets({ table, ...batch }), options);
    totals.scanned += done.scanned;
    totals.reencrypted += done.reencrypted;
    totals.changedMeanwhile += done.changedMeanwhile;
  }
  return totals;
}
