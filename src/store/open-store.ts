import { SqliteStore, type SqliteOptions } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** The default database: a SQLite file under `./data`. */
export const defaultDatabaseUrl = 'sqlite:./data/switchboard.db';

/**
 * Opens the store a database URL names: `sqlite:PATH` (a file; `sqlite::memory:` for a
 * throwaway one) or `postgres://…`. Does not migrate.
 */
export async function openStore(url: string, options: SqliteOptions = {}): Promise<Store> {
  if (url.startsWith('sqlite:')) return new SqliteStore(url.slice('sqlite:'.length), options);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    return new PostgresStore(url);
  }
  throw new Error(`Unsupported database URL "${url}": use sqlite:PATH or postgres://USER@HOST/DB`);
}
