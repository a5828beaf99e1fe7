// The PostgreSQL store's connection pool: every wait on the database bounded, connections in
// doubt discarded, hosts picked as libpq picks them, and the pool re-made after a failover.
import pg from 'pg';
import type { DatabaseHealth } from '../database-health.js';
import { isConnectionFailure, isPoolQueueTimeout, isServerTimeout } from './connection-errors.js';
import {
  checkSessionAttrs,
  connectFirstFitting,
  endQuickly,
  NoSuitableHostError,
  type PostgresHost,
  type PostgresUrl,
} from './postgres-url.js';

/** The bounds and sizes of one pool (settings.ts: `SWITCHBOARD_POSTGRES_*`). */
export interface PoolBounds {
  /** Most connections open at once (default 10). */
  poolSize: number;
  /** A new connection's connect and start-up (and its host check), ms (default 5000). */
  connectTimeoutMs: number;
  /** Waiting for a connection, pooled or new, ms (default 5000). */
  acquireTimeoutMs: number;
  /** Client side: one statement's answer, ms (default 10000); what ends a wait on a silent server. */
  queryTimeoutMs: number;
  /** Server side, per session, ms (defaults 10000, 5000, 10000; 0: the server's own setting). */
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  /**
   * Behind a transaction-mode pooler (PgBouncer; default false): the server-side bounds are
   * not sent per session (the pooler refuses start-up parameters) but checked at start, and
   * a warning names the `ALTER ROLE … SET` to run when one is missing.
   */
  pooler: boolean;
}

/** The bounds given, the defaults for the rest. */
export function poolBoundsOf(given: Partial<PoolBounds>): PoolBounds {
  return {
    poolSize: given.poolSize ?? 10,
    connectTimeoutMs: given.connectTimeoutMs ?? 5000,
    acquireTimeoutMs: given.acquireTimeoutMs ?? 5000,
    queryTimeoutMs: given.queryTimeoutMs ?? 10_000,
    statementTimeoutMs: given.statementTimeoutMs ?? 10_000,
    lockTimeoutMs: given.lockTimeoutMs ?? 5000,
    idleInTransactionTimeoutMs: given.idleInTransactionTimeoutMs ?? 10_000,
    pooler: given.pooler ?? false,
  };
}

/**
 * Lifts the server-side bounds for the rest of a transaction or of the session, for work
 * that may rightly take long (migrations, backups); with {@link PostgresPool.unbound}.
 */
export const liftBoundsSql = (scope: 'transaction' | 'session') =>
  ['statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout']
    .map((name) => `set_config('${name}', '0', ${scope === 'transaction'})`)
    .reduce((list, call) => `${list}, ${call}`, 'SELECT 1');

/** How long a pooled connection may sit idle before it is closed. */
export const idleConnectionMs = 10_000;

/** TCP keepalive's first probe after this much idle time, not the OS's 2 hours: dead peers of idle connections are found. */
export const keepAliveInitialDelayMs = 10_000;

/** The server-side bounds, as `SHOW` names them, with the values the bounds ask for. */
export function serverTimeouts(bounds: PoolBounds): Record<string, number> {
  return {
    statement_timeout: bounds.statementTimeoutMs,
    lock_timeout: bounds.lockTimeoutMs,
    idle_in_transaction_session_timeout: bounds.idleInTransactionTimeoutMs,
  };
}

/** The start-up `options` of a direct connection: the URL's own, then the server-side bounds. */
export function startupOptions(url: PostgresUrl, bounds: PoolBounds): string | undefined {
  if (bounds.pooler) return url.options;
  // 0 leaves the bound to the server (its own or the role's setting): nothing is sent for it.
  const set = Object.entries(serverTimeouts(bounds))
    .filter(([, ms]) => ms > 0)
    .map(([name, ms]) => `-c ${name}=${ms}`);
  return [url.options, ...set].filter(Boolean).join(' ') || undefined;
}

/** What the pool needs besides its bounds. */
export interface PoolOptions {
  url: PostgresUrl;
  bounds: PoolBounds;
  health: DatabaseHealth;
  types?: pg.CustomTypesConfig;
  /** Run on every new connection before it is handed out (search_path, named statements). */
  onConnect: (client: pg.ClientBase) => Promise<void>;
}

/** Picks the host new connections go to: the last that fitted, or the first that fits, in URL order. */
class HostPicker {
  private known: PostgresHost | undefined;
  private resolving: Promise<PostgresHost> | undefined;

  constructor(
    private readonly url: PostgresUrl,
    private readonly probeConfig: pg.ClientConfig,
    private readonly queryTimeoutMs: number,
  ) {
    // One host: connect to it and check it; no probe first.
    if (url.hosts.length === 1) this.known = url.hosts[0];
  }

  current(): Promise<PostgresHost> {
    if (this.known) return Promise.resolve(this.known);
    this.resolving ??= connectFirstFitting(this.url, this.probeConfig, this.queryTimeoutMs)
      .then(async ({ client, host }) => {
        await endQuickly(client);
        this.known = host;
        return host;
      })
      .finally(() => (this.resolving = undefined));
    return this.resolving;
  }

  /** The host failed or no longer fits: the next connection looks again, from the first host. */
  forget(host: PostgresHost): void {
    if (this.url.hosts.length > 1 && this.known === host) this.known = undefined;
  }
}

type Pooled = pg.PoolClient & { sbPool?: pg.Pool };

/**
 * A pg.Pool behind bounds: acquiring waits at most the acquire timeout, connecting at most
 * the connect timeout, each statement at most the query timeout. A connection whose statement
 * failed for want of the database (a timeout, a reset, a read-only or shutting-down server)
 * is closed, never reused, and the pool is re-made so that every later connection is new
 * and goes where the URL's hosts now point.
 */
export class PostgresPool {
  private pool: pg.Pool;
  private readonly picker: HostPicker;
  private readonly config: pg.PoolConfig;
  private readonly health: DatabaseHealth;
  private readonly retired = new Set<Promise<void>>();

  constructor(private readonly options: PoolOptions) {
    const { url, bounds, health } = options;
    this.health = health;
    const base: pg.ClientConfig = {
      ...url.clientConfig(url.hosts[0]!),
      application_name: 'switchboard',
      options: startupOptions(url, bounds),
      keepAlive: true,
      keepAliveInitialDelayMillis: keepAliveInitialDelayMs,
      connectionTimeoutMillis: bounds.connectTimeoutMs,
    };
    this.picker = new HostPicker(url, base, bounds.queryTimeoutMs);
    const picker = this.picker;
    const onFailure = (host: PostgresHost) => picker.forget(host);
    // pg-pool builds its connections with `new Client(options)` and connects them with
    // `connect(callback)`: this class chooses the host first and checks it after.
    class PickedHostClient extends pg.Client {
      constructor(config: pg.ClientConfig) {
        super({ ...config, connectionTimeoutMillis: bounds.connectTimeoutMs });
        // pg-pool listens for errors only once our (promise-based) connect has called back: a
        // server that ends the connection in the packet that opens it (FATAL 57P01 as a restart
        // begins) would emit 'error' with no listener and crash the process. The failure
        // reaches the caller through connect or the next query anyway.
        this.on('error', () => {});
      }

      override connect(): Promise<pg.Client>;
      override connect(callback: (error: Error) => void): void;
      override connect(callback?: (error: Error) => void): Promise<pg.Client> | void {
        const done = this.connectToPickedHost().then(() => this);
        if (!callback) return done;
        // pg-pool calls it with a callback, and null for no error.
        done.then(() => callback(null as unknown as Error), callback);
      }

      private async connectToPickedHost(): Promise<void> {
        const stream = this.connection.stream;
        // pg-pool's acquire timeout destroys the socket: stop looking for a host then.
        const abandoned = new Promise<never>((_, reject) =>
          stream.once('close', () => reject(new Error('Connection terminated due to connection timeout'))),
        );
        abandoned.catch(() => {});
        const host = await Promise.race([picker.current(), abandoned]);
        if (host.host !== '') this.host = host.host;
        if (host.port !== undefined) this.port = host.port;
        try {
          await super.connect();
          if (!(await checkSessionAttrs(this, url.targetSessionAttrs, bounds.queryTimeoutMs))) {
            throw new NoSuitableHostError(`${url.describe(host)} is not ${url.targetSessionAttrs}`);
          }
        } catch (error) {
          onFailure(host);
          throw error;
        }
      }
    }
    this.config = {
      ...base,
      Client: PickedHostClient as unknown as new () => pg.ClientBase,
      max: bounds.poolSize,
      // An idle connection is closed after 10 s (pg-pool's default, set here so it stays):
      // after a fault, connections kept on an old path or server are gone within it.
      idleTimeoutMillis: idleConnectionMs,
      // pg-pool's one timer covers waiting for a pooled connection and making a new one.
      connectionTimeoutMillis: bounds.acquireTimeoutMs,
      query_timeout: bounds.queryTimeoutMs,
      types: options.types,
      onConnect: async (client) => {
        // Errors while checked out surface on the next query; without a listener, one
        // arriving between queries would crash the process.
        client.on('error', () => {});
        await options.onConnect(client);
      },
    };
    this.pool = this.newPool();
  }

  private newPool(): pg.Pool {
    const pool = new pg.Pool(this.config);
    // An idle connection dropped by the server: the pool discards it and opens a new one
    // when needed. Without a listener, the 'error' event would crash the process.
    pool.on('error', () => {});
    return pool;
  }

  /** A connection, within the acquire timeout; give it back with {@link release}. */
  async connect(): Promise<pg.PoolClient> {
    const pool = this.pool;
    if (pool.idleCount === 0 && pool.totalCount >= this.options.bounds.poolSize) this.health.count('poolWaits');
    try {
      const client: Pooled = await pool.connect();
      client.sbPool = pool;
      return client;
    } catch (error) {
      if (isPoolQueueTimeout(error) || /due to connection timeout/.test((error as Error).message)) {
        this.health.count('acquireTimeouts');
      }
      throw error;
    }
  }

  /**
   * Gives a connection back. After an error that leaves it in doubt (`discard`, or any
   * connection failure), it is closed; after a connection failure the pool is re-made.
   */
  release(client: pg.PoolClient, error?: unknown, discard = false): void {
    if (error !== undefined && isServerTimeout(error)) this.health.count('serverTimeouts');
    const failure = error !== undefined && isConnectionFailure(error);
    if (failure && /^Query read timeout/.test((error as Error).message)) this.health.count('queryTimeouts');
    if (!failure && !discard) {
      client.release();
      return;
    }
    this.health.count('discarded');
    client.release(true);
    // Ended, but a silent server never answers the goodbye: the socket goes anyway.
    const stream = (client as pg.PoolClient & { connection?: { stream?: { destroy(): void } } }).connection?.stream;
    setTimeout(() => stream?.destroy(), 1000).unref();
    if (failure && (client as Pooled).sbPool === this.pool) this.renew();
  }

  /**
   * A fresh pool in place of the current one: connections in use finish and close when
   * given back, idle ones close now, and new ones go to the host the URL now leads to.
   */
  private renew(): void {
    const old = this.pool;
    this.pool = this.newPool();
    this.health.count('renewals');
    const ended = old.end().catch(() => {});
    this.retired.add(ended);
    void ended.then(() => this.retired.delete(ended));
  }

  /** One statement on any connection (autocommit). */
  async query<R extends pg.QueryResultRow>(
    text: string | pg.QueryConfig,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    const client = await this.connect();
    try {
      const result = await client.query<R>(text as string, values);
      this.release(client);
      return result;
    } catch (error) {
      // pg-pool's own query() discards on any error; here only a connection in doubt is.
      this.release(client, error);
      throw error;
    }
  }

  /**
   * Lifts the bounds on one checked-out connection, for work that may rightly take long
   * (migrations, imports, exports): the client-side timeout now, the server-side ones by
   * the caller's `SET LOCAL`. {@link release} restores it.
   */
  unbound(client: pg.PoolClient): () => void {
    const parameters = (client as unknown as { connectionParameters: { query_timeout?: number } }).connectionParameters;
    const before = parameters.query_timeout;
    parameters.query_timeout = undefined;
    return () => (parameters.query_timeout = before);
  }

  /** Connections open and waiting, for metrics. */
  stats(): { total: number; idle: number; waiting: number } {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  /** In pooler mode: the server-side bounds the server does not apply, as `ALTER ROLE … SET` to run. */
  async missingServerTimeouts(): Promise<string[]> {
    const missing: string[] = [];
    for (const [name, wanted] of Object.entries(serverTimeouts(this.options.bounds))) {
      if (wanted === 0) continue;
      const { rows } = await this.query<{ ms: string }>(
        `SELECT setting::bigint * CASE unit WHEN 's' THEN 1000 WHEN 'min' THEN 60000 ELSE 1 END AS ms
           FROM pg_settings WHERE name = $1`,
        [name],
      );
      const ms = Number(rows[0]?.ms ?? 0);
      if (ms === 0 || ms > wanted) missing.push(`ALTER ROLE CURRENT_USER SET ${name} = '${wanted}ms'`);
    }
    return missing;
  }

  /** In pooler mode, at start: one warning (through `health`) naming what to run, if anything is missing. */
  async warnOfMissingServerTimeouts(): Promise<void> {
    const missing = await this.missingServerTimeouts();
    if (missing.length === 0) return;
    this.health.warn(
      `The database does not bound statements, locks and idle transactions as the settings ask ` +
        `(a pooler cannot set them per session); run: ${missing.join('; ')}`,
    );
  }

  async end(): Promise<void> {
    await this.pool.end();
    await Promise.all([...this.retired]);
  }
}
