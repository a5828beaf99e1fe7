/** Where "now" comes from; passed in so tests and benchmarks can control time. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** Whole seconds since the epoch: the resolution of every stored timestamp. */
export function epochSeconds(clock: Clock): number {
  return Math.floor(clock().getTime() / 1000);
}

/** `2021-08-30T04:40:17Z`: UTC, whole seconds, as the vendor writes timestamps. */
export function formatTimestamp(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
