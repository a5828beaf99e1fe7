import type {
  ConnectionRecord,
  OAuthClientRecord,
  SecretTable,
  ZisRegistryStorage,
  ZisRegistryStore,
} from '../zis-registry-store.js';
import { secretColumns } from '../zis-registry-store.js';
import type { RotationBatch } from './key-rotation.js';
import type { ValueCipher } from './value-cipher.js';

const C = secretColumns.zis_connections;
const O = secretColumns.zis_oauth_clients;

// How registry secrets (connection tokens, passwords, API keys, OAuth client secrets) cross
// the encryption boundary, under the same key ring as instances' metadata: the method table
// (`method-tables.ts`) seals them on every write and opens them on every read, so inside,
// and in the database, they are only ciphertext. Key rotation runs here, batch by batch.

export const openConnection = (c: ConnectionRecord, cipher: ValueCipher): ConnectionRecord => ({
  ...c,
  secret: cipher.decrypt(c.secret, C),
});

export const openClient = (c: OAuthClientRecord, cipher: ValueCipher): OAuthClientRecord => ({
  ...c,
  clientSecret: cipher.decrypt(c.clientSecret, O),
});

/** A connection secret, or undefined (kept as it is), sealed. */
export const sealConnectionSecret = <T extends string | undefined>(plain: T, cipher: ValueCipher): T =>
  (plain === undefined ? undefined : cipher.encrypt(plain, C)) as T;

/** An OAuth client secret, or undefined (kept as it is), sealed. */
export const sealClientSecret = <T extends string | undefined>(plain: T, cipher: ValueCipher): T =>
  (plain === undefined ? undefined : cipher.encrypt(plain, O)) as T;

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
): Promise<{ scanned: number; reencrypted: number; changedMeanwhile: number }> {
  const totals = { scanned: 0, reencrypted: 0, changedMeanwhile: 0 };
  for (const table of Object.keys(secretColumns) as SecretTable[]) {
    let afterId = 0;
    for (;;) {
      const batch = await store.reencryptSecrets({ table, afterId, limit: options.batchSize });
      if (batch.lastId === undefined) break;
      totals.scanned += batch.scanned;
      totals.reencrypted += batch.reencrypted;
      totals.changedMeanwhile += batch.changedMeanwhile;
      afterId = batch.lastId;
    }
  }
  return totals;
}
