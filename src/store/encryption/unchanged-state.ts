import type { ChannelStore } from '../channel-store.js';
import type { ValueCipher } from './value-cipher.js';

/**
 * `channels` (already wrapped: plaintext in and out) whose `updateInstance` leaves out a state
 * the instance already holds. Setting the same state again is no change (a pull under way
 * keeps its right to store its state), and the store tells by comparing texts; with
 * encryption on it holds only ciphertext, and the same state sealed again under a fresh IV
 * never equals it. So here, where the state is still plaintext, one read answers it. Without
 * encryption the store compares alone and this adds nothing.
 */
export function withUnchangedStateLeftOut(channels: ChannelStore, cipher: ValueCipher): ChannelStore {
  if (!cipher.enabled) return channels;
  return {
    ...channels,
    async updateInstance(accountId, id, change) {
      const unchanged =
        change.state !== undefined && (await channels.getInstance(accountId, id))?.state === change.state;
      return channels.updateInstance(accountId, id, unchanged ? { ...change, state: undefined } : change);
    },
  };
}
