/** When an instance is next due, from its interval, failure count and a random jitter. */
export interface PullTiming {
  /** The regular interval between pulls, ms (about 2 minutes in production). */
  intervalMs: number;
  /** ± this fraction of the delay, so instances registered together spread out. */
  jitter: number;
  /** Longest delay after failures, ms. */
  maxBackoffMs: number;
}

/** A random factor in [1 - jitter, 1 + jitter]; `random` is injectable for tests. */
function jittered(delayMs: number, jitter: number, random: () => number): number {
  return Math.round(delayMs * (1 + jitter * (2 * random() - 1)));
}

/** After a good pull: one interval, jittered. */
export function nextPullAfterSuccess(now: number, timing: PullTiming, random = Math.random): number {
  return now + jittered(timing.intervalMs, timing.jitter, random);
}

/** After the n-th failure in a row: the interval doubled per failure, capped, jittered. */
export function nextPullAfterFailure(
  now: number,
  failuresInARow: number,
  timing: PullTiming,
  random = Math.random,
): number {
  const delay = Math.min(timing.intervalMs * 2 ** Math.min(failuresInARow, 20), timing.maxBackoffMs);
  return now + jittered(Math.max(delay, timing.intervalMs), timing.jitter, random);
}
