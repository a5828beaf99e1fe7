import type { Clock } from '../clock.js';
import { SqliteStore, type SqliteOptions } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';
import { wrapStore } from './wrap-store.js';

/**
 * Opens the store a database URL names: `sqlite:PATH` (a file; `sqlite::memory:` for a
 * throwaway one) or `postgres://…`, wrapped as its method tables say (`wrap-store.ts`).
 * Does not migrate.
 */
export async function openStore(
  url: string,
  options: SqliteOptions & { clock?: Clock; postgresPullBatch?: number } = {},
): Promise<Store> {
  if (url.startsWith('sqlite:')) return wrapStore(new SqliteStore(url.slice('sqlite:'.length), options), options);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    const store = new PostgresStore(url, {
      clock: options.clock,
      cipher: options.cipher,
      configHistory: options.configHistory,
      pullBatch: options.postgresPullBatch,
    });
    return wrapStore(store, options);
  }
  throw new Error(`Unsupported database URL "${url}": use sqlite:PATH or postgres://USER@HOST/DB`);
}
