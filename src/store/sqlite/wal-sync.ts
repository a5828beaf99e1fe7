import { promises as fs } from 'node:fs';
import { StoreUnavailableError } from '../store-errors.js';

/** Flushes one open file to disk: `fdatasync` through the libuv pool unless a test wraps it. */
export type SyncFile = (file: fs.FileHandle) => Promise<void>;

const fdatasync: SyncFile = (file) => file.datasync();

/**
 * Makes commits durable off the event loop. The connection commits with
 * `synchronous=NORMAL` in WAL mode, so COMMIT only writes the WAL (no fsync); `durable()`
 * then runs `fdatasync` on the `-wal` file in the libuv pool, so the event loop keeps
 * turning (and answering reads) while the disk works.
 *
 * Ordering: a `durable()` promise resolves only after an fdatasync that *started after the
 * call* has finished, so it covers every commit that returned before the call. One sync
 * runs at a time; calls made meanwhile share the next one, which is what lets the group
 * commit go on committing batches while the previous batch's sync is under way.
 *
 * A failed sync leaves the disk in an unknown state (Linux may drop the dirty pages), so
 * this latches: that sync's callers and every later one reject with `StoreUnavailableError`.
 */
export class WalSync {
  private file: Promise<fs.FileHandle> | undefined;
  /** Callers waiting for the sync after the one in flight. */
  private next: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private inFlight = false;
  /** Set once a sync failed: every later call rejects with it. */
  failure: Error | undefined;
  /** fdatasync calls made so far (fewer than commits when syncs are shared). */
  syncs = 0;

  constructor(
    private readonly walPath: string,
    private readonly syncFile: SyncFile = fdatasync,
  ) {}

  /** Resolves once every commit that returned before this call is on disk. */
  durable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.next.push({ resolve, reject });
      if (!this.inFlight) void this.run();
    });
  }

  /** Waits for the sync in flight and the ones queued, then closes the file. */
  async close(): Promise<void> {
    while (this.inFlight) await new Promise((resolve) => setImmediate(resolve));
    const file = this.file;
    this.file = undefined;
    if (file) await (await file).close();
  }

  private async run(): Promise<void> {
    this.inFlight = true;
    while (this.next.length > 0) {
      const waiting = this.next;
      this.next = [];
      try {
        // Opened on first use: the -wal file exists once the connection has written.
        this.file ??= fs.open(this.walPath, 'r');
        this.syncs++;
        await this.syncFile(await this.file);
        for (const caller of waiting) caller.resolve();
      } catch (error) {
        this.failure = new StoreUnavailableError(error);
        for (const caller of [...waiting, ...this.next]) caller.reject(this.failure);
        this.next = [];
      }
    }
    this.inFlight = false;
  }
}
