import type { ChannelStore, Instance, PullTarget } from '../channel-store.js';
import type { EventBatch } from '../event-outbox-store.js';
import type { ReplyStore, ReplyTarget } from '../reply-store.js';
import type { ValueCipher } from './value-cipher.js';

/** The additional data each encrypted column binds its values to. */
export const encryptedColumns = { metadata: 'instances.metadata', state: 'instances.state' } as const;

const { metadata: M, state: S } = encryptedColumns;

/**
 * Wraps a store so that only ciphertext crosses into it: instance `metadata` and `state`
 * are encrypted on every write and decrypted on every read. Inside, the stores pass the
 * stored text along unread (the pull's compare-and-swap is on `state_version`, not on the
 * text), so their code and SQL do not change. Every other member passes through.
 */
export function encryptingChannelStore(store: ChannelStore, cipher: ValueCipher): ChannelStore {
  const { open, openTarget, seal } = codec(cipher);
  const overrides: Partial<ChannelStore> = {
    createInstance: async (input) =>
      open(await store.createInstance({ ...input, metadata: seal(input.metadata, M), state: seal(input.state, S) })),
    listInstances: async (accountId, filter) => (await store.listInstances(accountId, filter)).map(open),
    getInstance: async (accountId, id) => optional(await store.getInstance(accountId, id), open),
    findInstanceByPushId: async (pushId) => optional(await store.findInstanceByPushId(pushId), open),
    findInstanceByPushTokenHash: async (hash) => optional(await store.findInstanceByPushTokenHash(hash), open),
    updateInstance: async (accountId, id, change) =>
      optional(
        await store.updateInstance(accountId, id, {
          ...change,
          metadata: sealOptional(change.metadata, M, seal),
          state: sealOptional(change.state, S, seal),
        }),
        open,
      ),
    claimDueInstances: async (claim) => (await store.claimDueInstances(claim)).map(openTarget),
    claimInstance: async (accountId, id, claim) => {
      const claimed = await store.claimInstance(accountId, id, claim);
      return typeof claimed === 'string' ? claimed : openTarget(claimed);
    },
    completePull: (completion) =>
      store.completePull({
        ...completion,
        newMetadata: sealOptional(completion.newMetadata, M, seal),
        newState: sealOptional(completion.newState, S, seal),
      }),
    claimEventBatches: async (claim) => (await store.claimEventBatches(claim)).map((batch) => openBatch(batch, cipher)),
  };
  return overriding(store, overrides);
}

/** Like {@link encryptingChannelStore}, for the reply store's instance reads and metadata writes. */
export function encryptingReplyStore(store: ReplyStore, cipher: ValueCipher): ReplyStore {
  const { open, seal } = codec(cipher);
  const overrides: Partial<ReplyStore> = {
    claimDueReplies: async (claim) =>
      (await store.claimDueReplies(claim)).map((target): ReplyTarget => ({
        ...target,
        instance: open(target.instance),
      })),
    completeReply: (completion) =>
      store.completeReply({ ...completion, newMetadata: sealOptional(completion.newMetadata, M, seal) }),
  };
  return overriding(store, overrides);
}

function codec(cipher: ValueCipher) {
  const open = (instance: Instance): Instance => ({
    ...instance,
    metadata: cipher.decrypt(instance.metadata, M),
    state: cipher.decrypt(instance.state, S),
  });
  const openTarget = (target: PullTarget): PullTarget => ({ ...target, instance: open(target.instance) });
  const seal = (plain: string, column: string) => cipher.encrypt(plain, column);
  return { open, openTarget, seal };
}

function openBatch(batch: EventBatch, cipher: ValueCipher): EventBatch {
  const events = batch.events.map((event) =>
    event.metadata === null ? event : { ...event, metadata: cipher.decrypt(event.metadata, M) },
  );
  return { ...batch, events };
}

const optional = <T>(value: T | undefined, open: (value: T) => T) => (value === undefined ? undefined : open(value));

const sealOptional = (plain: string | undefined, column: string, seal: (plain: string, column: string) => string) =>
  plain === undefined ? undefined : seal(plain, column);

/** `store` with some methods replaced; the rest run on the store itself. */
function overriding<S extends object>(store: S, overrides: Partial<S>): S {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof S];
      const member = Reflect.get(target, property, receiver) as unknown;
      return typeof member === 'function' ? (member as (...args: unknown[]) => unknown).bind(target) : member;
    },
  });
}
