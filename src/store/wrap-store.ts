import { withSecretRotation } from './encryption/zis-registry-rotation.js';
import { noEncryption, type ValueCipher } from './encryption/value-cipher.js';
import { wrapContract, type MethodTable } from './method-facts.js';
import { withUnchangedStateLeftOut } from './encryption/unchanged-state.js';
import { withExchangeRotation } from './encryption/exchange-rotation.js';
import { activityStoreTable } from './activity-store.js';
import { channelStoreTable } from './channel-store.js';
import { exchangeStoreTable } from './exchange-store.js';
import { replyStoreTable } from './reply-store.js';
import {
  accountStoreTable,
  backupStoreTable,
  configStoreTable,
  grantStoreTable,
  lifecycleTable,
  tokenStoreTable,
} from './store.js';
import { zisRegistryTable } from './zis-registry-store.js';
import type { Store, SubStores } from './store.js';
import type { ZisRegistryStorage } from './zis-registry-store.js';
import type { ExchangeStorage } from './exchange-store.js';

/**
 * A store as a dialect builds it: the contract, except that the registry passes secrets
 * and the inspector's ring pass secrets and bodies through as stored (key rotation reads and
 * rewrites them), and no method refuses U+0000
 * or encrypts: {@link wrapStore} adds both.
 */
export type StoreStorage = Omit<Store, 'zisRegistry' | 'exchanges'> & {
  readonly zisRegistry: ZisRegistryStorage;
  readonly exchanges: ExchangeStorage;
};

/**
 * The store callers get: every contract's methods wrapped as its method table says
 * (each beside its contract's interface): U+0000 refused or found nowhere, instance metadata and state and
 * registry secrets sealed on the way in and opened on the way out, so the stores and the
 * database see only ciphertext and the NUL check sees plaintext. Built once, when the store
 * is opened; the tables, not the stores, decide.
 */
export function wrapStore(store: StoreStorage, options: { cipher?: ValueCipher } = {}): Store {
  const cipher = options.cipher ?? noEncryption;
  const table = {
    ...lifecycleTable,
    ...accountStoreTable,
    ...tokenStoreTable,
    ...configStoreTable,
    ...backupStoreTable,
  } satisfies MethodTable<Omit<Store, keyof SubStores>>;
  return {
    ...wrapContract<Omit<Store, keyof SubStores>>(store, table, cipher),
    dialect: store.dialect,
    capabilities: store.capabilities,
    databaseHealth: store.databaseHealth,
    channels: withUnchangedStateLeftOut(wrapContract(store.channels, channelStoreTable, cipher), cipher),
    replies: wrapContract(store.replies, replyStoreTable, cipher),
    zisRegistry: wrapContract(withSecretRotation(store.zisRegistry, cipher), zisRegistryTable, cipher),
    grants: wrapContract(store.grants, grantStoreTable, cipher),
    activity: wrapContract(store.activity, activityStoreTable, cipher),
    exchanges: wrapContract(withExchangeRotation(store.exchanges, cipher), exchangeStoreTable, cipher),
  };
}
