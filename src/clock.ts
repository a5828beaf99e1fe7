/** Where "now" comes from; passed in so tests and benchmarks can control time. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** Whole seconds since the epoch: the resolution of every stored timestamp. */
export function epochSeconds(clock: Clock): number {
  return Math.floor(clock().getTime() / 1000);
}

const formatted = new Map<number, string>();

/** `2021-08-30T04:40:17Z`: UTC, whole seconds, as the vendor writes timestamps. */
export function formatTimestamp(seconds: number): string {
  // On the read path for every config: a small memo saves a Date and two strings per call.
  let text = formatted.get(seconds);
  if (text === undefined) {
    text = new Date(seconds * 1000).toISOString().slice(0, 19) + 'Z';
    if (formatted.size >= 4096) formatted.clear();
    formatted.set(seconds, text);
  }
  return text;
}
