import type { PullRecord } from '../../store/channel-store.js';
import { pullInstance, type PullDependencies } from './pull-instance.js';

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
 * scheduler uses (so neither starts a second pull while this one runs), then pulls.
 * For the API's "pull now" and the CLI's `pull` alike.
 */
export async function pullNow(
  deps: PullDependencies,
  target: { accountId: number; instanceId: number; owner: string },
): Promise<PullRecord | PullNowRefusal> {
  const claimed = await deps.store.claimInstance(target.accountId, target.instanceId, {
    nowMs: deps.nowMs(),
    leaseMs: deps.leaseMs,
    owner: target.owner,
  });
  if (typeof claimed === 'string') return claimed;
  return pullInstance(claimed, deps);
}
