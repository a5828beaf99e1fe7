import Database from 'better-sqlite3';
import { SqliteStore, type SqliteOptions } from '../../src/store/sqlite/sqlite-store.js';
import { openStore } from '../../src/store/open-store.js';
import type { IntegrationKey, Store } from '../../src/store/store.js';

/** A migrated store on the SQLite file at `path`, and a read-only connection to look at its tables. */
export async function storeWithReader(path: string): Promise<{ store: Store; raw: Database.Database }> {
  const store = await openStore(`sqlite:${path}`);
  await store.migrate();
  return { store, raw: new Database(path, { readonly: true }) };
}

/** A migrated SQLite store at `path` with one account, and the key of its integration `shop`. */
export async function openStoreWithAccount(
  path: string,
  options: SqliteOptions,
): Promise<{ store: SqliteStore; key: IntegrationKey; accountId: number }> {
  const store = new SqliteStore(path, options);
  await store.migrate();
  const account = await store.createAccount({
    subdomain: 'acme',
    adminEmail: 'admin@acme.test',
    adminTokenHash: `hash-${Math.random()}`,
    nowSeconds: 1_700_000_000,
  });
  if (account === 'exists') throw new Error('account exists');
  return { store, key: { accountId: account.id, integration: 'shop' }, accountId: account.id };
}

/** Another connection holds the write lock of the file at `path` for `ms`. */
export function holdWriteLock(path: string, ms: number): Promise<void> {
  const locker = new Database(path);
  locker.exec('BEGIN IMMEDIATE');
  return new Promise((resolve) =>
    setTimeout(() => {
      locker.exec('ROLLBACK');
      locker.close();
      resolve();
    }, ms),
  );
}
