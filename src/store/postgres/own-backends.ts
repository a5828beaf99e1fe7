import type pg from 'pg';
import { revisionSql } from './revision-queries.js';

/**
 * The server process ids of this store's own pool connections, so its LISTEN connection can
 * pass over the NOTIFY of a change this node has already told its listeners of (a config
 * write, a numbering): without it, each of a node's own writes wakes its read cache twice and
 * the second wake-up forgets answers kept after the write.
 *
 * A connection is counted only once the server confirms it: `pg_backend_pid()` must equal the
 * process id the client was told at start-up. Behind a pooler the two differ (PgBouncer makes
 * up its own), so nothing is counted there and every NOTIFY is heard, as before. An id leaves
 * the set when its connection ends (the server hands a process id out again only after its
 * ids wrap around, so another node's connection is not taken for this one's).
 */
export class OwnBackends {
  private readonly pids = new Set<number>();

  /** On a new pool connection, before it is handed out. */
  async add(client: pg.ClientBase): Promise<void> {
    const told = (client as pg.ClientBase & { processID?: number | null }).processID;
    if (typeof told !== 'number') return;
    const { rows } = await client.query<{ pid: number }>(revisionSql.backendPid);
    if (rows[0]?.pid !== told) return;
    this.pids.add(told);
    client.once('end', () => this.pids.delete(told));
  }

  /** Whether a notification came from one of this store's own connections. */
  has(pid: number): boolean {
    return this.pids.has(pid);
  }
}
