import { epochSeconds, type Clock } from '../../clock.js';
import type { CompactionReport, ConfigStore } from '../../store/store.js';

export interface CompactionLoopOptions {
  store: ConfigStore;
  clock: Clock;
  /** Revisions older than this may go, seconds. */
  retentionSeconds: number;
  keepPerScope: number;
  batchSize: number;
  intervalMs: number;
  onCompacted?: (report: CompactionReport) => void;
  onError?: (error: unknown) => void;
}

/**
 * Retention in the background: every `intervalMs` (and once at start), compacts each
 * account's history in small batches. Runs never overlap; a failed run is reported and
 * the next one tries again. Several nodes may run it at once: the watermark only moves
 * up and a revision is deleted once.
 */
export function startCompaction(options: CompactionLoopOptions): { stop: () => Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const run = async () => {
    try {
      const report = await options.store.compactConfigRevisions({
        cutoffSeconds: epochSeconds(options.clock) - options.retentionSeconds,
        keepPerScope: options.keepPerScope,
        batchSize: options.batchSize,
      });
      options.onCompacted?.(report);
    } catch (error) {
      options.onError?.(error);
    }
  };
  const tick = () => {
    running = run().finally(() => {
      running = undefined;
      if (!stopped) schedule();
    });
  };
  const schedule = () => {
    timer = setTimeout(tick, options.intervalMs);
    timer.unref();
  };
  tick();

  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
