import type { ChannelStore } from '../../src/store/channel-store.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { storeKinds, storeProfiles, type OpenedStore, type StoreKind } from './stores.js';

export interface OpenedChannelStore extends OpenedStore {
  channels: ChannelStore;
  /** Another store object on the same database (PostgreSQL: its own pool), closed by `cleanup`. */
  another: () => Promise<ChannelStore>;
}

export interface ChannelStoreKind {
  name: StoreKind['name'];
  dialect: StoreKind['dialect'];
  open: () => Promise<OpenedChannelStore>;
}

const withChannels = (kind: StoreKind): ChannelStoreKind => ({
  name: kind.name,
  dialect: kind.dialect,
  open: async () => {
    const opened = await kind.open();
    const others: Store[] = [];
    return {
      ...opened,
      channels: opened.store.channels,
      another: async () => {
        const other = await openStore(opened.url);
        others.push(other);
        await other.migrate();
        return other.channels;
      },
      cleanup: async () => {
        for (const other of others) await other.close();
        await opened.cleanup();
      },
    };
  },
});

/** Every store kind this run tests, with its channel store. */
export const channelStoreKinds: ChannelStoreKind[] = storeKinds.map(withChannels);

/** The store kinds plus the driver profiles, for the channel store contract suites (see `storeProfiles`). */
export const channelStoreProfiles: ChannelStoreKind[] = storeProfiles.map(withChannels);
