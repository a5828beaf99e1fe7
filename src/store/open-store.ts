import type { Store } from './store.js';
import { wrapStore } from './wrap-store.js';
import type { StoreOptions } from './store-driver.js';
import { driverFor, storeDrivers } from './store-drivers.js';

/**
 * Opens the store a database URL names, through the driver of its scheme (store-drivers.ts):
 * `sqlite:PATH` (a file; `sqlite::memory:` for a throwaway one), `postgres://…`, or
 * `postgres-basic://…` (PostgreSQL without LISTEN/NOTIFY, advisory locks or named
 * statements, e.g. behind a transaction-mode pooler), wrapped as its method tables say
 * (`wrap-store.ts`). Does not migrate.
 */
export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const driver = driverFor(url);
  if (driver) return wrapStore(await driver.open(url, options), options);
  const schemes = storeDrivers.flatMap((d) => d.schemes).join(', ');
  throw new Error(
    `Unsupported database URL "${url}": use one of ${schemes} (e.g. sqlite:PATH or postgres://USER@HOST/DB)`,
  );
}
