import pg from 'pg';
import type { ChangeListeners } from '../config-revisions.js';
import { configChangesChannel, revisionSql } from './revision-queries.js';

export interface ChangeListenerOptions {
  url: string;
  /** The store's schema option, set as the search path like the pool's connections. */
  searchPath?: string;
  /** First wait before reconnecting after the connection is lost, doubled up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
}

/**
 * One dedicated connection per store that LISTENs for config changes committed by any node
 * (this one included) and tells the store's listeners. Reconnects after a loss with a
 * growing pause; once back, it wakes every account's listeners, since notifications sent
 * meanwhile are lost (the revisions table still has every change).
 */
export class PostgresChangeListener {
  private client: pg.Client | undefined;
  private schema: string | undefined;
  private stopped = false;
  private started = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private everConnected = false;
  /** True while the LISTEN is in place: changes reach the listeners through it. */
  listening = false;

  constructor(
    private readonly listeners: ChangeListeners,
    private readonly options: ChangeListenerOptions,
  ) {}

  /** Connects once; later calls do nothing. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.listening = false;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.url,
      application_name: 'switchboard-listen',
      keepAlive: true,
      connectionTimeoutMillis: 5000,
    });
    this.client = client;
    let lost = false;
    const onLost = () => {
      if (lost) return;
      lost = true;
      this.listening = false;
      void client.end().catch(() => {});
      if (this.client === client) this.client = undefined;
      this.retry();
    };
    client.on('error', onLost);
    client.on('end', onLost);
    client.on('notification', (message) => this.heard(message));
    try {
      await client.connect();
      if (this.options.searchPath !== undefined) {
        await client.query(`SET search_path TO "${this.options.searchPath.replace(/"/g, '""')}"`);
      }
      this.schema = (await client.query<{ schema: string }>(revisionSql.currentSchema)).rows[0]!.schema;
      // Named after its schema, so an operator (or a test) can tell one store's listener in pg_stat_activity.
      await client.query(revisionSql.nameListener, [`switchboard-listen ${this.schema}`]);
      await client.query(revisionSql.listen);
      if (this.stopped) {
        await client.end().catch(() => {});
        return;
      }
      this.listening = true;
      this.failures = 0;
      if (this.everConnected) await this.wakeEveryAccount(client);
      this.everConnected = true;
    } catch {
      onLost();
    }
  }

  private retry(): void {
    if (this.stopped) return;
    const base = this.options.retryMs ?? 100;
    const wait = Math.min(base * 2 ** this.failures, this.options.maxRetryMs ?? 5000);
    this.failures += 1;
    this.retryTimer = setTimeout(() => void this.connect(), wait);
    this.retryTimer.unref();
  }

  private heard(message: pg.Notification): void {
    if (message.channel !== configChangesChannel || !message.payload) return;
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
