import type { Instance, PullTarget } from '../channel-store.js';
import type { EventBatch } from '../event-outbox-store.js';
import type { ReplyTarget } from '../reply-store.js';
import type { ValueCipher } from './value-cipher.js';

// How instance `metadata` and `state` cross the encryption boundary: sealed on every write,
// opened on every read. The method tables (`method-tables.ts`) say which method does which;
// inside, the stores pass the stored text along unread (the pull's compare-and-swap is on
// `state_version`, not on the text), so their code and SQL do not change.

/** The additional data each encrypted column binds its values to. */
export const encryptedColumns = { metadata: 'instances.metadata', state: 'instances.state' } as const;

const { metadata: M, state: S } = encryptedColumns;

export const openInstance = (instance: Instance, cipher: ValueCipher): Instance => ({
  ...instance,
  metadata: cipher.decrypt(instance.metadata, M),
  state: cipher.decrypt(instance.state, S),
});

export const openInstances = (instances: Instance[], cipher: ValueCipher) =>
  instances.map((instance) => openInstance(instance, cipher));

export const openOptionalInstance = (instance: Instance | undefined, cipher: ValueCipher) =>
  instance && openInstance(instance, cipher);

export const openTarget = <T extends PullTarget | ReplyTarget>(target: T, cipher: ValueCipher): T => ({
  ...target,
  instance: openInstance(target.instance, cipher),
});

export const openBatches = (batches: EventBatch[], cipher: ValueCipher): EventBatch[] =>
  batches.map((batch) => ({
    ...batch,
    events: batch.events.map((event) =>
      event.metadata === null ? event : { ...event, metadata: cipher.decrypt(event.metadata, M) },
    ),
  }));

/** Instance metadata, or undefined (kept as it is), sealed. */
export const sealMetadata = (plain: string | undefined, cipher: ValueCipher) =>
  plain === undefined ? undefined : cipher.encrypt(plain, M);

/** Instance state, or undefined (kept as it is), sealed. */
export const sealState = (plain: string | undefined, cipher: ValueCipher) =>
  plain === undefined ? undefined : cipher.encrypt(plain, S);
