import type { ChannelStore } from '../../store/channel-store.js';
import { LeaseKeeper } from '../leases/lease-keeper.js';

export type { HeldLease } from '../leases/lease-keeper.js';

/** A pull stopped because its node could not keep its lease: nothing of it is recorded. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(
    readonly instanceId: number,
    reason: string,
  ) {
    super(`The pull of instance ${instanceId} stopped: ${reason}.`);
  }
}

export interface PullLeaseOptions {
  /** Whose leases these are (the claim's `owner`). */
  owner: string;
  /** How long a claim or a renewal lasts, ms. */
  leaseMs: number;
  /** Epoch milliseconds. */
  nowMs: () => number;
  /** Told of a failed renewal (the database unreachable, say). */
  onError?: (error: unknown) => void;
}

/**
 * Keeps the leases of the pulls one node runs (see {@link LeaseKeeper}), keyed by instance:
 * a pull whose lease is lost aborts with {@link LeaseLostError}, so no two pulls of one
 * instance ever run at once.
 */
export class PullLeases extends LeaseKeeper {
  constructor(store: Pick<ChannelStore, 'renewPullLeases'>, options: PullLeaseOptions) {
    super(({ ids, ...renewal }) => store.renewPullLeases({ ...renewal, instanceIds: ids }), {
      ...options,
      lost: (instanceId, reason) => new LeaseLostError(instanceId, reason),
    });
  }
}
