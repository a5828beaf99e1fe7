import pg from 'pg';
import type { ChangeListeners } from '../config-revisions.js';
import type { ChangeFeedState } from '../store.js';
import { PostgresChangePoller, type ChangeSignal, type RevisionCounters } from './postgres-change-poller.js';
import { configChangesChannel, revisionSql } from './revision-queries.js';
import { connectFirstFitting, parsePostgresUrl } from './postgres-url.js';

export interface ChangeListenerOptions {
  /** Where the LISTEN connection goes: the store's `listenUrl`, else the URL its pool uses. */
  url: string;
  /** The store's schema option, set as the search path like the pool's connections. */
  searchPath?: string;
  /** First wait before reconnecting after the connection is lost, doubled up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  /** How often the connection is checked with `SELECT 1` (default 1000 ms). */
  checkMs?: number;
  /** How long a check, or a statement while connecting, may take before the connection is given up (default 2000 ms). */
  checkTimeoutMs?: number;
  /** How long connecting may take (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Every account's latest revision, read through the pool: polled while the connection is down. */
  counters?: RevisionCounters;
  /** How often that fallback polls (default 250 ms). */
  pollMs?: number;
  /**
   * Whether a server process is one of this node's own connections: its NOTIFYs are passed
   * over, since this node tells its listeners of its own changes itself (own-backends.ts).
   */
  ownBackend?: (pid: number) => boolean;
}

/**
 * One dedicated connection per store that LISTENs for config changes committed by any node
 * (this one included) and tells the store's listeners.
 *
 * It checks itself: every `checkMs` a `SELECT 1` on the same connection, bounded by
 * `checkTimeoutMs`. PostgreSQL delivers a listening session's pending notifications before it
 * answers a statement on it, so a check that answers shows that notifications still reach
 * this node; one that does not answer (a silent network path, a frozen server) or fails gives
 * the connection up, whatever the socket says. A check costs one round trip on a connection
 * that is open anyway, and no pool connection (a self-NOTIFY would take one from the pool).
 *
 * While the connection is down it polls the revision counters through the pool (waking every
 * account on its first poll: changes since the last check may have gone unheard), and
 * reconnects with a growing pause; once back, it wakes every account again, since
 * notifications sent meanwhile are lost (the revisions table still has every change).
 */
export class PostgresChangeListener implements ChangeSignal {
  private client: pg.Client | undefined;
  private schema: string | undefined;
  private stopped = false;
  private started = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private checking = false;
  private failures = 0;
  private everConnected = false;
  private fallback: PostgresChangePoller | undefined;
  /** True while the LISTEN is in place: changes reach the listeners through it. */
  listening = false;
  /** How many times the LISTEN has been put in place: a move means notifications may have been lost between. */
  generation = 0;

  constructor(
    private readonly listeners: ChangeListeners,
    private readonly options: ChangeListenerOptions,
  ) {}

  get state(): ChangeFeedState {
    if (!this.started) return 'idle';
    return this.listening ? 'listening' : 'down';
  }

  /** Connects once; later calls do nothing. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.checkTimer);
    this.listening = false;
    const client = this.client;
    this.client = undefined;
    await Promise.all([this.fallback?.stop(), client && endWithin(client, 1000)]);
    this.fallback = undefined;
  }

  private async connect(): Promise<void> {
    const timeout = this.options.checkTimeoutMs ?? 2000;
    let client: pg.Client;
    try {
      // The hosts of a multi-host URL in turn, as the pool picks them; LISTEN needs the
      // primary (a standby refuses it, and NOTIFY is sent on the primary), so read-write.
      const url = parsePostgresUrl(this.options.url);
      ({ client } = await connectFirstFitting(
        { ...url, targetSessionAttrs: 'read-write' },
        {
          // The URL's own `options` (e.g. `-c search_path=…`), as the pool passes them.
          options: url.options,
          application_name: 'switchboard-listen',
          keepAlive: true,
          connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5000,
          // Every statement on it, checks included: a silent path fails a statement instead of holding it.
          query_timeout: timeout,
        },
        timeout,
      ));
    } catch {
      if (this.stopped) return;
      this.startFallback();
      this.retry();
      return;
    }
    if (this.stopped) {
      void endWithin(client, 1000);
      return;
    }
    this.client = client;
    let lost = false;
    const onLost = () => {
      if (lost) return;
      lost = true;
      if (this.client === client) {
        this.client = undefined;
        this.listening = false;
        clearInterval(this.checkTimer);
        this.startFallback();
        this.retry();
      }
      // Not awaited: on a silent path the goodbye may never be acknowledged.
      void endWithin(client, 1000);
    };
    client.on('error', onLost);
    client.on('end', onLost);
    client.on('notification', (message) => this.heard(message));
    try {
      if (this.options.searchPath !== undefined) {
        await client.query(`SET search_path TO "${this.options.searchPath.replace(/"/g, '""')}"`);
      }
      this.schema = (await client.query<{ schema: string }>(revisionSql.currentSchema)).rows[0]!.schema;
      // Named after its schema, so an operator (or a test) can tell one store's listener in pg_stat_activity.
      await client.query(revisionSql.nameListener, [`switchboard-listen ${this.schema}`]);
      await client.query(revisionSql.listen);
      if (this.stopped || lost) {
        void endWithin(client, 1000);
        return;
      }
      this.generation++;
      this.listening = true;
      this.failures = 0;
      this.stopFallback();
      this.checkTimer = setInterval(() => void this.check(client, onLost), this.options.checkMs ?? 1000);
      this.checkTimer.unref();
      if (this.everConnected) await this.wakeEveryAccount(client);
      this.everConnected = true;
    } catch {
      onLost();
    }
  }

  /** One health check: `SELECT 1` on the LISTEN connection, within the client's query timeout. */
  private async check(client: pg.Client, onLost: () => void): Promise<void> {
    if (this.checking || this.client !== client) return;
    this.checking = true;
    try {
      await client.query('SELECT 1');
    } catch {
      onLost();
    } finally {
      this.checking = false;
    }
  }

  private retry(): void {
    if (this.stopped) return;
    const base = this.options.retryMs ?? 100;
    // At most 2 s apart: /readyz says not ready while it is down, and a node must be ready
    // again within seconds of the database coming back.
    const wait = Math.min(base * 2 ** this.failures, this.options.maxRetryMs ?? 2000);
    this.failures += 1;
    this.retryTimer = setTimeout(() => void this.connect(), wait);
    this.retryTimer.unref();
  }

  /** While deaf: the counters are polled, so changes still arrive (within `pollMs`). */
  private startFallback(): void {
    if (this.stopped || this.fallback || !this.options.counters) return;
    this.fallback = new PostgresChangePoller(this.listeners, this.options.counters, this.options.pollMs ?? 250, true);
    this.fallback.start();
  }

  private stopFallback(): void {
    const fallback = this.fallback;
    this.fallback = undefined;
    void fallback?.stop();
  }

  private heard(message: pg.Notification): void {
    if (message.channel !== configChangesChannel || !message.payload) return;
    if (this.options.ownBackend?.(message.processId)) return;
    const colon = message.payload.lastIndexOf(':');
    if (message.payload.slice(0, colon) !== this.schema) return;
    const accountId = Number(message.payload.slice(colon + 1));
    if (Number.isSafeInteger(accountId)) this.listeners.fire(accountId);
  }

  /** After a reconnect: whatever was committed while deaf, every watcher looks again. */
  private async wakeEveryAccount(client: pg.Client): Promise<void> {
    const { rows } = await client.query<{ account_id: string }>(revisionSql.accountsWithRevisions);
    for (const row of rows) this.listeners.fire(Number(row.account_id));
  }
}

/** Ends a client, waiting at most `ms` before dropping its socket: a goodbye on a silent path is never acknowledged. */
async function endWithin(client: pg.Client, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([
    client.end().then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
  if (!ended) client.connection.stream.destroy();
}
