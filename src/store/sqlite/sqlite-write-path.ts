import type Database from 'better-sqlite3';
import { Checkpointer } from './checkpointer.js';
import { GroupCommit } from './group-commit.js';
import { WalSync, type SyncFile } from './wal-sync.js';

/**
 * Where SQLite writes run, and where their fsync does (see `SqliteOptions.writer`). The
 * writer thread (`thread`) is retired: `in-thread` is what never shows a write before it
 * is on disk.
 */
export type SqliteWriterMode = 'pipelined' | 'in-thread';

/** How long a write waits for another connection's write lock before it fails. */
export const busyTimeoutMs = 5000;

/** The parts a store's writes go through; which exist depends on the mode. */
export interface WritePath {
  /** This thread's group commit, where every write is queued. */
  groupCommit: GroupCommit;
  /** `pipelined` with `synchronous=FULL`: the WAL's fdatasync off the event loop. */
  walSync: WalSync | undefined;
  /** `pipelined`: checkpoints on their own thread. */
  checkpointer: Checkpointer | undefined;
}

/**
 * Sets up a new connection for its write path: WAL mode, the connection's `synchronous`
 * (pipelined, COMMIT only writes the WAL and `WalSync` makes it durable off the event
 * loop), the busy timeout and foreign keys; then the group commit, and the checkpoint thread
 * the mode calls for.
 */
export function openWritePath(
  db: Database.Database,
  path: string,
  options: {
    mode: SqliteWriterMode;
    synchronous: 'FULL' | 'NORMAL' | 'OFF';
    syncFile: SyncFile | undefined;
  },
): WritePath {
  const { mode, synchronous } = options;
  db.pragma('journal_mode = WAL');
  const connectionSync = mode === 'pipelined' && synchronous === 'FULL' ? 'NORMAL' : synchronous;
  db.pragma(`synchronous = ${connectionSync}`);
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('foreign_keys = ON');
  let checkpointer: Checkpointer | undefined;
  let walSync: WalSync | undefined;
  if (mode === 'pipelined') {
    // A checkpoint fsyncs: none may run inside this connection's COMMITs.
    db.pragma('wal_autocheckpoint = 0');
    checkpointer = new Checkpointer({ path, synchronous }, () => groupCommit.hold());
    if (synchronous === 'FULL') walSync = new WalSync(`${path}-wal`, options.syncFile);
  }
  const groupCommit: GroupCommit = new GroupCommit(db, {
    durable: walSync && (() => walSync.durable()),
    committed: checkpointer && (() => checkpointer.committed()),
    // Pipelined, nothing on this event loop waits: not for an fsync, nor for the lock.
    lockWaitMs: mode === 'pipelined' ? busyTimeoutMs : undefined,
  });
  return { groupCommit, walSync, checkpointer };
}
