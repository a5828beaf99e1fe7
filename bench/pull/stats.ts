/** Small statistics for the pull benchmark. */

/** The `p`-th percentile (0–100) of `sorted` (ascending), nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/**
 * Rates from completion times, ms after the run began: overall (all completions over the
 * time to the last) and steady (the completions between the 10th and the 90th percentile,
 * over the time between them: no start-up, no tail).
 */
export function rates(completionsMs: readonly number[]): { perSecond: number; steadyPerSecond: number } {
  const sorted = [...completionsMs].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { perSecond: 0, steadyPerSecond: 0 };
  const perSecond = n / (Math.max(sorted[n - 1]!, 1) / 1000);
  const low = Math.floor(n * 0.1);
  const high = Math.max(low + 1, Math.ceil(n * 0.9) - 1);
  const span = (sorted[Math.min(high, n - 1)]! - sorted[low]!) / 1000;
  const steadyPerSecond = span > 0 ? (Math.min(high, n - 1) - low) / span : perSecond;
  return { perSecond, steadyPerSecond };
}

export const round = (value: number, digits = 0) => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};
