import type { ExchangeStorage, ExchangeStore } from '../exchange-store.js';
import { exchangeBodyColumns } from './encrypting-exchanges.js';
import { rotateInBatches, type RotationBatch, type RotationTotals } from './key-rotation.js';
import type { ValueCipher } from './value-cipher.js';

const { request: Q, response: R } = exchangeBodyColumns;

/**
 * The inspector's ring as its method table expects it (`exchangeStoreTable`, beside the contract, seals and opens the
 * bodies): the storage plus key rotation, batch by batch, as `keys rotate` does for instances.
 */
export function withExchangeRotation(store: ExchangeStorage, cipher: ValueCipher): ExchangeStore {
  return {
    recordExchange: (exchange, keep) => store.recordExchange(exchange, keep),
    listExchanges: (scope, page) => store.listExchanges(scope, page),
    getExchange: (scope, id) => store.getExchange(scope, id),
    reencryptExchanges: (batch) => reencryptExchanges(store, cipher, batch),
  };
}

/** One batch: read, re-encrypt here, rewrite each row only if it still holds what was read. */
async function reencryptExchanges(
  store: ExchangeStorage,
  cipher: ValueCipher,
  batch: { afterId: number; limit: number },
): Promise<RotationBatch> {
  const rows = await store.storedBodies(batch.afterId, batch.limit);
  const lastId = rows.at(-1)?.id;
  const rewrites = rows
    .filter(
      (row) => !cipher.isCurrent(row.requestBody) || (row.responseBody !== null && !cipher.isCurrent(row.responseBody)),
    )
    .map((row) => ({
      id: row.id,
      old: row,
      requestBody: cipher.reencrypt(row.requestBody, Q),
      responseBody: row.responseBody === null ? null : cipher.reencrypt(row.responseBody, R),
    }));
  if (rewrites.length === 0) return { lastId, scanned: rows.length, reencrypted: 0, changedMeanwhile: 0 };
  const reencrypted = await store.rewriteBodies(rewrites);
  return { lastId, scanned: rows.length, reencrypted, changedMeanwhile: rewrites.length - reencrypted };
}

/** Every exchange's bodies under the current key, batch after batch. Idempotent. */
export async function rotateExchangeKeys(
  store: Pick<ExchangeStore, 'reencryptExchanges'>,
  options: { batchSize: number },
): Promise<Omit<RotationTotals, 'batches'>> {
  const { scanned, reencrypted, changedMeanwhile } = await rotateInBatches(
    (batch) => store.reencryptExchanges(batch),
    options,
  );
  return { scanned, reencrypted, changedMeanwhile };
}
