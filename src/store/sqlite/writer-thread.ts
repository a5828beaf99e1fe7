import { parentPort } from 'node:worker_threads';
import { SqliteStore } from './sqlite-store.js';
import { toWireError, type FromWriter, type ToWriter, type WriterSetup } from './writer-messages.js';

// The SQLite writer thread: it owns the write connections and runs every write of the
// stores' objects here, in group commit (one transaction and one fsync per batch), so the
// main thread's event loop never waits on a COMMIT. See `sqlite-writer.ts`.

interface Hosted {
  store: SqliteStore;
  targets: Record<string, object>;
  release: (() => void) | undefined;
}

const port = parentPort!;
const hosted = new Map<number, Hosted>();

const post = (message: FromWriter) => port.postMessage(message);

function open(handle: number, setup: WriterSetup): void {
  const { path, synchronous, configHistory } = setup;
  const store = new SqliteStore(path, { synchronous, configHistory, writer: 'in-thread' });
  const { channels, replies, zisRegistry, exchanges } = store.writeSide;
  hosted.set(handle, { store, targets: { store, channels, replies, zisRegistry, exchanges }, release: undefined });
  channels.onEventsCommitted(() => post({ kind: 'events', handle }));
  // Posted before the write's own answer, so listeners hear of it first, as on one thread.
  store.onConfigChanged((accountId) => post({ kind: 'configChanged', handle, accountId }));
}

function answer(id: number, work: () => Promise<unknown>): void {
  work().then(
    (value) => {
      try {
        post({ kind: 'result', id, ok: true, value });
      } catch (error) {
        // A value that cannot cross: say so rather than leave the caller waiting.
        post({ kind: 'result', id, ok: false, error: toWireError(error) });
      }
    },
    (error: unknown) => post({ kind: 'result', id, ok: false, error: toWireError(error) }),
  );
}

function hostedStore(handle: number): Hosted {
  const found = hosted.get(handle);
  if (!found) throw new Error('SqliteStore: the store is closed');
  return found;
}

port.on('message', (message: ToWriter) => {
  switch (message.kind) {
    case 'open':
      return answer(message.id, async () => open(message.handle, message.setup));
    case 'call':
      return answer(message.id, async () => {
        const target = hostedStore(message.handle).targets[message.target] as Record<
          string,
          (...args: unknown[]) => Promise<unknown>
        >;
        return target[message.method]!(...message.args);
      });
    case 'hold':
      return answer(message.id, async () => {
        const store = hostedStore(message.handle);
        store.release = await store.store.holdWrites();
      });
    case 'release': {
      const store = hosted.get(message.handle);
      store?.release?.();
      if (store) store.release = undefined;
      return;
    }
    case 'close':
      return answer(message.id, async () => {
        const store = hosted.get(message.handle);
        if (!store) return;
        hosted.delete(message.handle);
        store.release?.();
        await store.store.close();
      });
  }
});
