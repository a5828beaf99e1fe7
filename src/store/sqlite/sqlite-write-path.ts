import type Database from 'better-sqlite3';
import { Checkpointer } from './checkpointer.js';
import { GroupCommit, writesBelongToTheWriterThread, type WriteQueue } from './group-commit.js';
import { SqliteWriter } from './sqlite-writer.js';
import { WalSync, type SyncFile } from './wal-sync.js';

/** Where SQLite writes run, and where their fsync does (see `SqliteOptions.writer`). */
export type SqliteWriterMode = 'pipelined' | 'thread' | 'in-thread';

/** How long a write waits for another connection's write lock before it fails. */
export const busyTimeoutMs = 5000;

/** The parts a store's writes go through; which exist depends on the mode. */
export interface WritePath {
  /** Where every write is queued. */
  writes: WriteQueue;
  /** This thread's group commit (`pipelined`, `in-thread`). */
  groupCommit: GroupCommit | undefined;
  /** The writer thread (`thread`). */
  writer: SqliteWriter | undefined;
  /** `pipelined` with `synchronous=FULL`: the WAL's fdatasync off the event loop. */
  walSync: WalSync | undefined;
  /** `pipelined`: checkpoints on their own thread. */
  checkpointer: Checkpointer | undefined;
}

/**
 * Sets up a new connection for its write path: WAL mode, the connection's `synchronous`
 * (pipelined, COMMIT only writes the WAL and `WalSync` makes it durable off the event
 * loop), the busy timeout and foreign keys; then the group commit, the checkpoint thread or
 * the writer thread the mode calls for.
 */
export function openWritePath(
  db: Database.Database,
  path: string,
  options: {
    mode: SqliteWriterMode;
    synchronous: 'FULL' | 'NORMAL' | 'OFF';
    configHistory: boolean;
    syncFile: SyncFile | undefined;
  },
): WritePath {
  const { mode, synchronous, configHistory } = options;
  db.pragma('journal_mode = WAL');
  const connectionSync = mode === 'pipelined' && synchronous === 'FULL' ? 'NORMAL' : synchronous;
  db.pragma(`synchronous = ${connectionSync}`);
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('foreign_keys = ON');
  const writer = mode === 'thread' ? new SqliteWriter({ path, synchronous, configHistory }) : undefined;
  let checkpointer: Checkpointer | undefined;
  let walSync: WalSync | undefined;
  let groupCommit: GroupCommit | undefined;
  if (mode === 'pipelined') {
    // A checkpoint fsyncs: none may run inside this connection's COMMITs.
    db.pragma('wal_autocheckpoint = 0');
    checkpointer = new Checkpointer({ path, synchronous }, () => groupCommit!.hold());
    if (synchronous === 'FULL') walSync = new WalSync(`${path}-wal`, options.syncFile);
  }
  if (mode !== 'thread') {
    groupCommit = new GroupCommit(db, {
      durable: walSync && (() => walSync.durable()),
      committed: checkpointer && (() => checkpointer.committed()),
      // Pipelined, nothing on this event loop waits: not for an fsync, nor for the lock.
      lockWaitMs: mode === 'pipelined' ? busyTimeoutMs : undefined,
    });
  }
  return { writes: groupCommit ?? writesBelongToTheWriterThread, groupCommit, writer, walSync, checkpointer };
}
