import type { Worker } from 'node:worker_threads';
import { startThread } from './start-thread.js';

/** What the checkpoint thread opens. */
export interface CheckpointSetup {
  path: string;
  synchronous: 'FULL' | 'NORMAL' | 'OFF';
}

/** `copy`: a PASSIVE checkpoint beside the writes; `finish`: another, writes held, then restart the WAL. */
export type CheckpointRequest = 'copy' | 'finish' | 'close';

export type CheckpointResult = { ok: true; complete: boolean; frames: number } | { ok: false; message: string };

/** Commits between checkpoints: about SQLite's default of 1,000 WAL pages at ~7 pages a PATCH. */
const commitsPerCheckpoint = 150;

/**
 * Checkpoints the WAL on its own thread and connection (`checkpoint-thread.ts`), for a
 * main connection that runs with `wal_autocheckpoint=0`, so that no COMMIT on the event
 * loop ever runs a checkpoint (and its fsyncs). Every `commitsPerCheckpoint` commits:
 *
 * 1. `copy`: a PASSIVE checkpoint while writes go on (most of the copying);
 * 2. `finish`: with the group commit held (writes wait, reads go on), a second one copies
 *    the rest, and, if it completed, the thread restarts the WAL from its start.
 *
 * Without step 2 a busy writer always adds frames during the checkpoint, the WAL is never
 * complete, never restarts, and grows without bound.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<unknown>;
  private answer: ((result: CheckpointResult) => void) | undefined;
  private commits = 0;
  /** The checkpoint under way, if any. */
  private running: Promise<void> | undefined;
  private closed = false;
  /** Checkpoints that ended with the WAL restarted. */
  completed = 0;
  /** The last failure (retried at the next count; the WAL grows meanwhile, nothing is lost). */
  lastError: string | undefined;

  /** `holdWrites`: the group commit's hold (it waits for the batches under way first). */
  constructor(
    setup: CheckpointSetup,
    private readonly holdWrites: () => Promise<() => void>,
  ) {
    this.worker = startThread('checkpoint-thread', setup);
    this.exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.once('exit', () => this.answer?.({ ok: false, message: 'the checkpoint thread ended' }));
    this.worker.on('message', (result: CheckpointResult) => this.answer?.(result));
    this.worker.on('error', (error) => {
      this.lastError = String(error);
      this.answer?.({ ok: false, message: String(error) });
    });
    // After the listeners: adding a 'message' listener refs the thread's port again.
    this.worker.unref();
  }

  /** Called after each COMMIT of the main connection. */
  committed(): void {
    if (++this.commits < commitsPerCheckpoint || this.running || this.closed) return;
    this.commits = 0;
    void this.checkpoint();
  }

  /** Runs both steps (unless a checkpoint is running: then waits for it). */
  checkpoint(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.running ??= this.steps().finally(() => (this.running = undefined));
    return this.running;
  }

  private async steps(): Promise<void> {
    if (!(await this.ask('copy')).ok) return;
    const release = await this.holdWrites();
    try {
      const result = await this.ask('finish');
      if (result.ok && result.complete) this.completed++;
    } finally {
      release();
    }
  }

  /** Closes the thread's connection and ends the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.running;
    this.closed = true;
    // Referenced again, so that waiting for its exit keeps the process alive.
    this.worker.ref();
    this.worker.postMessage('close' satisfies CheckpointRequest);
    await this.exited;
  }

  private ask(request: CheckpointRequest): Promise<CheckpointResult> {
    if (this.closed) return Promise.resolve({ ok: false, message: 'the checkpointer is closed' });
    // Referenced while it works: writes held for step 2 must not let the process end.
    this.worker.ref();
    return new Promise((resolve) => {
      this.answer = (result) => {
        this.answer = undefined;
        if (!this.closed) this.worker.unref();
        if (!result.ok) this.lastError = result.message;
        resolve(result);
      };
      this.worker.postMessage(request);
    });
  }
}
