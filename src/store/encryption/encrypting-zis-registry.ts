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

/**
 * The registry store with its secrets (connection tokens, passwords, API keys, OAuth client
 * secrets) encrypted on every write and decrypted on every read, under the same key ring as
 * instances' metadata: inside, and in the database, they are only ciphertext. Also runs key
 * rotation for them, batch by batch, as `keys rotate` does for instances.
 */
export function encryptingZisRegistry(store: ZisRegistryStorage, cipher: ValueCipher): ZisRegistryStore {
  const openConnection = (c: ConnectionRecord): ConnectionRecord => ({ ...c, secret: cipher.decrypt(c.secret, C) });
  const openClient = (c: OAuthClientRecord): OAuthClientRecord => ({
    ...c,
    clientSecret: cipher.decrypt(c.clientSecret, O),
  });
  const seal = (plain: string | undefined, column: string) =>
    plain === undefined ? undefined : cipher.encrypt(plain, column);
  return {
    saveBundle: (input) => store.saveBundle(input),
    listLatestBundles: (key, page) => store.listLatestBundles(key, page),
    listBundleVersions: (key, name) => store.listBundleVersions(key, name),
    installJobSpec: (key, name, now) => store.installJobSpec(key, name, now),
    uninstallJobSpec: (key, name) => store.uninstallJobSpec(key, name),
    listJobSpecInstalls: (key) => store.listJobSpecInstalls(key),
    createConnection: async (input) => {
      const created = await store.createConnection({ ...input, secret: cipher.encrypt(input.secret, C) });
      return created === 'exists' ? created : openConnection(created);
    },
    getConnection: async (key, type, name) => {
      const found = await store.getConnection(key, type, name);
      return found && openConnection(found);
    },
    listConnections: async (key) => (await store.listConnections(key)).map(openConnection),
    updateConnection: async (key, type, name, change) => {
      const updated = await store.updateConnection(key, type, name, { ...change, secret: seal(change.secret, C) });
      return updated && openConnection(updated);
    },
    deleteConnection: (key, type, name) => store.deleteConnection(key, type, name),
    createOAuthClient: async (input) =>
      openClient(await store.createOAuthClient({ ...input, clientSecret: cipher.encrypt(input.clientSecret, O) })),
    listOAuthClients: async (key) => (await store.listOAuthClients(key)).map(openClient),
    getOAuthClient: async (key, uuid) => {
      const found = await store.getOAuthClient(key, uuid);
      return found && openClient(found);
    },
    updateOAuthClient: async (key, uuid, change) => {
      const updated = await store.updateOAuthClient(key, uuid, {
        ...change,
        clientSecret: seal(change.clientSecret, O),
      });
      return updated && openClient(updated);
    },
    deleteOAuthClient: (key, uuid) => store.deleteOAuthClient(key, uuid),
    reencryptSecrets: (batch) => reencryptSecrets(store, cipher, batch),
  };
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
