import type { ChannelStore } from '../../src/store/channel-store.js';
import { openStore } from '../../src/store/open-store.js';
import { PostgresChannelStore } from '../../src/store/postgres/postgres-channel-store.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteChannelStore } from '../../src/store/sqlite/sqlite-channel-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { storeKinds, type OpenedStore } from './stores.js';

/**
 * The channel store of a migrated store. Until `Store` exposes `channels`, it is built here
 * on the store's own connection (SQLite: its database and group commit; PostgreSQL: its
 * pool, error translation and transactions), exactly as the store will build it.
 */
export function channelsOf(store: Store): ChannelStore {
  const wired = (store as Store & { channels?: ChannelStore }).channels;
  if (wired) return wired;
  if (store instanceof SqliteStore) return new SqliteChannelStore(store['db'], store['writes']);
  if (store instanceof PostgresStore) {
    return new PostgresChannelStore({
      rows: (text, values) => store['rows'](text, values),
      transaction: (work) => store['transaction'](work),
    });
  }
  throw new Error(`no channel store for a ${store.dialect} store`);
}

export interface OpenedChannelStore extends OpenedStore {
  channels: ChannelStore;
  /** Another store object on the same database (PostgreSQL: its own pool), closed by `cleanup`. */
  another: () => Promise<ChannelStore>;
}

export interface ChannelStoreKind {
  name: 'sqlite' | 'postgres';
  open: () => Promise<OpenedChannelStore>;
}

/** Every store kind this run tests, with its channel store. */
export const channelStoreKinds: ChannelStoreKind[] = storeKinds.map((kind) => ({
  name: kind.name,
  open: async () => {
    const opened = await kind.open();
    const others: Store[] = [];
    return {
      ...opened,
      channels: channelsOf(opened.store),
      another: async () => {
        const other = await openStore(opened.url);
        others.push(other);
        await other.migrate();
        return channelsOf(other);
      },
      cleanup: async () => {
        for (const other of others) await other.close();
        await opened.cleanup();
      },
    };
  },
}));
