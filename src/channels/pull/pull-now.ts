import { randomUUID } from 'node:crypto';
import type { PullRecord } from '../../store/channel-store.js';
import { pullInstance, type PullDependencies } from './pull-instance.js';
import { PullLeases } from './pull-leases.js';

/** Why an on-demand pull did not start. */
export type PullNowRefusal = 'not_found' | 'inactive' | 'no_pull_url' | 'busy';

/** A refusal in words, for the API's error detail and the console alike. */
export function pullNowRefusalDetail(refusal: PullNowRefusal, instanceId: number): string {
  return {
    not_found: `No instance ${instanceId}.`,
    inactive: 'The instance is deactivated; activate it first.',
    no_pull_url: "The integration's manifest has no pull_url.",
    busy: 'A pull of this instance is in progress; try again when it ends.',
  }[refusal];
}

/**
 * Pulls one instance now, whatever its schedule: claims it with the same lease the
 * scheduler uses (so neither starts a second pull while this one runs), then pulls,
 * renewing the lease like the scheduler. For the API's "pull now" and the CLI's `pull`
 * alike. Rejects with `LeaseLostError` if the lease could not be kept.
 */
export async function pullNow(
  deps: PullDependencies,
  target: { accountId: number; instanceId: number; owner: string },
): Promise<PullRecord | PullNowRefusal> {
  // Each pull's own owner: a late answer is then told apart from a newer holder's.
  const owner = `${target.owner}-${randomUUID()}`;
  const claimed = await deps.store.claimInstance(target.accountId, target.instanceId, {
    nowMs: deps.nowMs(),
    leaseMs: deps.leaseMs,
    owner,
  });
  if (typeof claimed === 'string') return claimed;
  const leases = new PullLeases(deps.store, { owner, leaseMs: deps.leaseMs, nowMs: deps.nowMs });
  leases.start();
  const lease = leases.hold(claimed.instance.id, claimed.leasedAt);
  try {
    return await pullInstance(claimed, deps, lease);
  } finally {
    lease.release();
    leases.stop();
  }
}
