import type { ValueCipher } from './value-cipher.js';

// How instance `metadata` and `state` cross the encryption boundary: sealed on every write,
// opened on every read. The method tables (beside each contract) say which method does which;
// inside, the stores pass the stored text along unread (the pull's compare-and-swap is on
// `state_version`, not on the text), so their code and SQL do not change.

/** The additional data each encrypted column binds its values to. */
export const encryptedColumns = { metadata: 'instances.metadata', state: 'instances.state' } as const;

const { metadata: M, state: S } = encryptedColumns;

// Typed by the fields they touch, not by the contracts' records: the contracts' files hold
// the method tables that call these, so importing their types here would make a cycle.
type Sealed = { metadata: string; state: string };

export const openInstance = <T extends Sealed>(instance: T, cipher: ValueCipher): T => ({
  ...instance,
  metadata: cipher.decrypt(instance.metadata, M),
  state: cipher.decrypt(instance.state, S),
});

export const openInstances = <T extends Sealed>(instances: T[], cipher: ValueCipher) =>
  instances.map((instance) => openInstance(instance, cipher));

export const openOptionalInstance = <T extends Sealed>(instance: T | undefined, cipher: ValueCipher) =>
  instance && openInstance(instance, cipher);

export const openTarget = <T extends { instance: Sealed }>(target: T, cipher: ValueCipher): T => ({
  ...target,
  instance: openInstance(target.instance, cipher),
});

export const openBatches = <B extends { events: { metadata: string | null }[] }>(
  batches: B[],
  cipher: ValueCipher,
): B[] =>
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
