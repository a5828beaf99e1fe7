import type { Worker } from 'node:worker_threads';
import { startThread } from './start-thread.js';
import { StoreUnavailableError } from '../store-errors.js';
import {
  fromWireError,
  type FromWriter,
  type ToWriter,
  type WriterSetup,
  type WriteTarget,
} from './writer-messages.js';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The writer thread (`writer-thread.ts`), one per process, shared by its SQLite stores.
 * Started with the first store; if it dies, every call waiting on it, and every later call
 * of its stores, rejects with `StoreUnavailableError` (none hangs), and the next store
 * opened starts a new one.
 */
class WriterThread {
  private static current: WriterThread | undefined;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private nextHandle = 1;
  /** Set once the thread is gone: later calls reject with it. */
  stopped: Error | undefined;
  readonly eventListeners = new Map<number, () => void>();
  readonly configListeners = new Map<number, (accountId: number) => void>();

  static shared(): WriterThread {
    if (!WriterThread.current || WriterThread.current.stopped) WriterThread.current = new WriterThread();
    return WriterThread.current;
  }

  private constructor() {
    this.worker = startThread('writer-thread');
    this.worker.unref(); // referenced only while a call waits (see `send`)
    this.worker.on('message', (message: FromWriter) => this.receive(message));
    this.worker.on('error', (error) => this.stop(new StoreUnavailableError(error)));
    this.worker.on('exit', (code) =>
      this.stop(new StoreUnavailableError(new Error(`the SQLite writer thread ended (exit code ${code})`))),
    );
  }

  newHandle(): number {
    return this.nextHandle++;
  }

  send(message: (id: number) => ToWriter): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      try {
        this.worker.postMessage(message(id));
      } catch (error) {
        // An argument that cannot cross (a function, say): nothing was sent.
        reject(error);
        return;
      }
      this.pending.set(id, { resolve, reject });
      // While a write waits, the thread keeps the process alive, so it is not cut short.
      if (this.pending.size === 1) this.worker.ref();
    });
  }

  post(message: ToWriter): void {
    if (!this.stopped) this.worker.postMessage(message);
  }

  /** Ends the thread (tests use it to show that a dead writer fails calls rather than hang). */
  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  private receive(message: FromWriter): void {
    if (message.kind === 'events') {
      this.eventListeners.get(message.handle)?.();
      return;
    }
    if (message.kind === 'configChanged') {
      this.configListeners.get(message.handle)?.(message.accountId);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.settled(message.id);
    if (message.ok) pending.resolve(message.value);
    else pending.reject(fromWireError(message.error));
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  private stop(error: Error): void {
    this.stopped ??= error;
    for (const [id, pending] of this.pending) {
      this.settled(id);
      pending.reject(error);
    }
  }
}

/**
 * One store's end of the SQLite writer thread, which owns the store's write connection
 * and its group commit, so no COMMIT or fsync runs on this event loop. A call forwards one
 * write method by name; it resolves once the write is durable, or rejects with the write's
 * error, of its class (`writer-messages.ts`).
 */
export class SqliteWriter {
  private readonly thread = WriterThread.shared();
  private readonly handle = this.thread.newHandle();
  private readonly opened: Promise<unknown>;
  private closed: Error | undefined;
  private closing: Promise<void> | undefined;

  constructor(setup: WriterSetup) {
    this.opened = this.thread.send((id) => ({ kind: 'open', id, handle: this.handle, setup }));
    // A failure to open shows on the first call.
    this.opened.catch(() => {});
  }

  /** Runs `target.method(...args)` on the writer thread. */
  async call(target: WriteTarget, method: string, args: unknown[]): Promise<unknown> {
    this.check();
    return this.thread.send((id) => ({ kind: 'call', id, handle: this.handle, target, method, args }));
  }

  /** A function that forwards `method` of `target`: what replaces a write method on this thread. */
  forwarder(target: WriteTarget, method: string): (...args: unknown[]) => Promise<unknown> {
    return (...args) => this.call(target, method, args);
  }

  /**
   * Waits for the queued writes to commit, then keeps the writer from starting another
   * batch until the returned `release` is called (backup export and import).
   */
  async hold(): Promise<() => void> {
    this.check();
    await this.thread.send((id) => ({ kind: 'hold', id, handle: this.handle }));
    return () => this.thread.post({ kind: 'release', handle: this.handle });
  }

  /** Listens for events committed by the writer thread. */
  onEventsCommitted(listener: () => void): void {
    this.thread.eventListeners.set(this.handle, listener);
  }

  /** Listens for config changes committed by the writer thread. */
  onConfigChanged(listener: (accountId: number) => void): void {
    this.thread.configListeners.set(this.handle, listener);
  }

  /** Throws `StoreUnavailableError` if the store is closed or the thread is gone. */
  check(): void {
    const stopped = this.closed ?? this.thread.stopped;
    if (stopped) throw stopped;
  }

  /** Lets the queued writes commit and closes the write connection. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.thread.eventListeners.delete(this.handle);
      this.thread.configListeners.delete(this.handle);
      if (this.thread.stopped) return;
      this.closed = new StoreUnavailableError(new Error('the store is closed'));
      await this.thread.send((id) => ({ kind: 'close', id, handle: this.handle }));
    })();
    return this.closing;
  }

  /** Ends the shared thread: for tests of a writer that died. */
  terminateThread(): Promise<number> {
    return this.thread.terminate();
  }
}
