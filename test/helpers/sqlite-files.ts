import Database from 'better-sqlite3';
import { SqliteStore, type SqliteOptions } from '../../src/store/sqlite/sqlite-store.js';
import type { IntegrationKey } from '../../src/store/store.js';

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
