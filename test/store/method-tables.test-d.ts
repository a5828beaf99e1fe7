// Type-level tests, checked by `tsc --noEmit -p .` (this file is under `test/`, which
// tsconfig.json includes; vitest does not run it). Each expect-error directive below must meet
// an error: remove one, and the compile fails; so must a table that stops refusing.
import type { ChannelStore, Instance } from '../../src/store/channel-store.js';
import type { MethodTable } from '../../src/store/method-facts.js';
import { channelStoreTable } from '../../src/store/channel-store.js';
import { replyStoreTable } from '../../src/store/reply-store.js';
import { configStoreTable } from '../../src/store/store.js';
import type { ReplyStore } from '../../src/store/reply-store.js';

/** The channel store with one method added, as a change to channel-store.ts would. */
interface GrownChannelStore extends ChannelStore {
  countInstances(accountId: number): Promise<number>;
}

// @ts-expect-error: countInstances has no entry; a new method missing from the table does not compile.
export const missingEntry = { ...channelStoreTable } satisfies MethodTable<GrownChannelStore>;

export const withEntry = {
  ...channelStoreTable,
  countInstances: { writes: false, nul: 'refuse' },
} satisfies MethodTable<GrownChannelStore>;

/** A new read that answers instances: their metadata and state are ciphertext until opened. */
interface InstanceReadingStore {
  listAllInstances(): Promise<Instance[]>;
  renameInstance(change: { id: number; metadata: string }): Promise<void>;
}

export const missingOpen = {
  // @ts-expect-error: the result carries `metadata`/`state`, so the entry must say how to open it.
  listAllInstances: { writes: false, nul: 'refuse' },
  renameInstance: { writes: true, nul: 'refuse', seal: (args) => args },
} satisfies MethodTable<InstanceReadingStore>;

export const missingSeal = {
  listAllInstances: { writes: false, nul: 'refuse', open: (result) => result },
  // @ts-expect-error: the argument carries `metadata`, so the entry must say how to seal it.
  renameInstance: { writes: true, nul: 'refuse' },
} satisfies MethodTable<InstanceReadingStore>;

export const strayEntry = {
  ...replyStoreTable,
  // @ts-expect-error: an entry for no method of the contract is refused too.
  sendReplyNow: { writes: true, nul: 'refuse' },
} satisfies MethodTable<ReplyStore>;

// A lookup's answer must be one the method can give.
export const wrongLookup = {
  ...configStoreTable,
  // @ts-expect-error: getConfig answers a record or undefined, never a list.
  getConfig: { writes: false, nul: { lookup: [] } },
} satisfies MethodTable<import('../../src/store/store.js').ConfigStore>;
