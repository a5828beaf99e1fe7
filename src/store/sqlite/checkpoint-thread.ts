import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointRequest, CheckpointResult, CheckpointSetup } from './checkpointer.js';

// The SQLite checkpoint thread: its own connection copies the WAL into the database file
// when asked (`checkpointer.ts`). A checkpoint fsyncs the WAL and the database file, and
// restarting the WAL fsyncs its header, so all of it runs here, never on the event loop
// that answers requests.

const { path, synchronous } = workerData as CheckpointSetup;
const db = new Database(path);
db.pragma(`synchronous = ${synchronous}`);
db.pragma('busy_timeout = 5000');
// PASSIVE: copies what no reader still needs and never waits for the writer.
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

function run(request: CheckpointRequest): CheckpointResult {
  const [row] = checkpoint.all() as { busy: number; log: number; checkpointed: number }[];
  const complete = row!.busy === 0 && row!.log === row!.checkpointed;
  if (request === 'finish' && complete) {
    // Every frame is in the database file: the next frame written goes to the start of the
    // WAL, and SQLite fsyncs the new WAL header then. Writing one here (page 1, unchanged
    // value) makes that fsync happen on this thread. The main connection is held meanwhile.
    const version = db.pragma('user_version', { simple: true }) as number;
    db.pragma(`user_version = ${version}`);
  }
  return { ok: true, complete, frames: row!.log };
}

parentPort!.on('message', (request: CheckpointRequest) => {
  if (request === 'close') {
    db.close();
    parentPort!.close();
    return;
  }
  let result: CheckpointResult;
  try {
    result = run(request);
  } catch (error) {
    result = { ok: false, message: String(error) };
  }
  parentPort!.postMessage(result);
});
