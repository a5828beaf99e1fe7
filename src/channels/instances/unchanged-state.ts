import type { ChannelStore, InstanceChange } from '../../store/channel-store.js';

/**
 * `change` without its `state` when the instance already holds that state. Setting the same
 * state again is no change (a pull under way keeps its right to store its state), but under
 * encryption at rest the store compares ciphertexts, and the same state sealed again never
 * equals the stored one: so callers that pass a state leave an unchanged one out here, where
 * it is still plaintext.
 */
export async function withoutUnchangedState(
  channels: Pick<ChannelStore, 'getInstance'>,
  accountId: number,
  id: number,
  change: InstanceChange,
): Promise<InstanceChange> {
  if (change.state === undefined) return change;
  const current = await channels.getInstance(accountId, id);
  if (current?.state !== change.state) return change;
  return { ...change, state: undefined };
}
