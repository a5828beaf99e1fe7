import { inspectorSetting, type InspectorSetting } from './inspector-setting.js';
import { postgresSettings, type PostgresSettings } from './postgres-settings.js';
import { tlsSettings, type TlsSettings } from './tls-settings.js';
import { postgresStatementsSetting, type PostgresStatements } from './postgres-statements-setting.js';
/** The default database: a SQLite file under `./data`. */
export const defaultDatabaseUrl = 'sqlite:./data/switchboard.db';

/** Everything the service can be told, from flags or the environment. */
export interface Settings {
  port: number;
  host: string;
  databaseUrl: string;
  /** `serve --wait-for-database`: how long a start waits for an unreachable database, seconds (0: not at all). */
  waitForDatabaseSeconds: number;
  /** `SWITCHBOARD_POSTGRES_LISTEN_URL`: a direct PostgreSQL URL for LISTEN/NOTIFY (when `databaseUrl` is a pooler's). */
  postgresListenUrl: string | undefined;
  /** PostgreSQL: the pool's size and the bounds on every wait for the database. */
  postgres: PostgresSettings;
  /**
   * `SWITCHBOARD_POSTGRES_READ_CACHE` (`off`): `on` serves repeated config reads from this
   * node's rendered answers while its LISTEN connection is up, each kept until its account's
   * next change notification (src/zis/configs/read-cache-epochs.ts): a read may trail another
   * node's write by the notification's delay, never this node's own. Ignored on SQLite.
   */
  postgresReadCache: boolean;
  /** `production` turns off first-run credentials (and, later, loopback outbound calls). */
  mode: 'development' | 'production';
  /** When set, a request to `{subdomain}.{baseDomain}` must use that account's credentials. */
  baseDomain: string | undefined;
  /** Where absolute links point when the Host is not an account's subdomain: `scheme://host[:port]`. */
  publicUrl: string | undefined;
  /** HTTPS beside plain HTTP, and the forward proxy for the vendor's host names (see `server/tls/`). */
  tls: TlsSettings;
  /** Largest request body, in bytes (413 beyond it). */
  bodyLimit: number;
  /** Request-body bytes this node reads and holds at once (503 beyond it). */
  bodyBytesInFlight: number;
  /** Largest stored config, in bytes of JSON (422 beyond it). */
  maxConfigBytes: number;
  /** Where first-run credentials are kept. */
  dataDir: string;
  logLevel: string;
  /**
   * `LOG_FORMAT`: `json` (one JSON object a line), `pretty` (one readable line an event), or
   * `auto` when unset: readable on a terminal in development, JSON otherwise (see `server/log-output.ts`).
   */
  logFormat: 'auto' | 'json' | 'pretty';
  /** Trust X-Forwarded-* headers (behind a load balancer). */
  trustProxy: boolean;
  /** How long a checked Authorization header is trusted without a lookup, ms (0: never). */
  authCacheMs: number;
  /** SQLite: rendered config reads kept until a config write to their account, or another process's commit (0: none). */
  readCacheEntries: number;
  /**
   * On SIGTERM, how long in-flight requests may take before their connections are cut, and
   * the pulls, replies and event batches under way before they are cut off and handed back.
   */
  shutdownGraceMs: number;
  /** The pull loop: interval, concurrency, limits. */
  pull: {
    /** Run the scheduler in this process (turn off on nodes that should only serve). */
    scheduler: boolean;
    intervalMs: number;
    concurrency: number;
    timeoutMs: number;
    /**
     * How long a claimed instance stays this node's without a renewal, ms. Pulls under way
     * renew every third of it; a node that dies mid-pull loses its instances after it.
     */
    leaseMs: number;
    /** PostgreSQL: most finished pulls recorded in one transaction (1: one transaction per pull). */
    postgresBatch: number;
    maxResponseBytes: number;
    /** Deactivate an instance after this many failed pulls in a row. */
    deactivateAfter: number;
    maxBackoffMs: number;
  };
  /** Channelback: sending agents' replies to the integration. */
  channelback: {
    /** Run the reply sender in this process. */
    sender: boolean;
    /** Sends of one reply before it is failed. */
    attempts: number;
    /** Wait before the second try, doubled for each further one, ms. */
    backoffMs: number;
    maxBackoffMs: number;
    /** How long a node holds a reply it sends; after a crash, how long until another takes it. */
    leaseMs: number;
    concurrency: number;
  };
  /**
   * The inspector (`SWITCHBOARD_INSPECTOR_EXCHANGES`): how many exchanges with integrations
   * each instance (and each integration, for manifest fetches and event batches) keeps, the
   * newest; 0 records none. `errorsOnly` keeps only exchanges with a finding or a failure
   * (production's default).
   */
  inspector: InspectorSetting;
  /** Event callbacks: delivery from the outbox (see `channels/events/event-deliverer.ts`). */
  events: {
    /** Run the deliverer in this process. */
    deliverer: boolean;
    /** How often to look for other nodes' events, ms (this node's own go at once). */
    pollMs: number;
    /** Most events in one POST. */
    batchSize: number;
    /** Integrations delivered to at once on this node. */
    concurrency: number;
    /** Attempts before an event is marked failed. */
    maxAttempts: number;
    /** The first retry's delay, ms; doubled each attempt up to `maxBackoffMs`. */
    retryBaseMs: number;
    maxBackoffMs: number;
    /** How long a claimed batch stays this node's, ms: longer than a call can take. */
    leaseMs: number;
  };
  /** Server key that signing secrets derive from; else kept in `{dataDir}/secret-key`. */
  secretKey: string | undefined;
  /** Encryption at rest: `id:key` pairs, the first encrypts (see `store/encryption/encryption-keys.ts`). */
  encryptionKeys: string | undefined;
  /** A file of `id:key` lines, when `encryptionKeys` is not set. */
  encryptionKeyFile: string | undefined;
  /** How long an admin-UI `return_url` stays usable. */
  handoffTtlMs: number;
  /** CIDR ranges outbound calls may reach even though the SSRF guard refuses them. */
  outboundAllow: string[];
  /** SQLite durability: FULL (default) survives power loss; OFF exists for benchmarks. */
  sqliteSynchronous: 'FULL' | 'NORMAL' | 'OFF';
  /**
   * Where SQLite writes run: `pipelined` (default: SQL on this event loop, the WAL's fsync in
   * the libuv pool, checkpoints on a thread) or `in-thread` (SQL and fsync on this event
   * loop: never shows a write before it is on disk). `thread` is retired.
   */
  sqliteWriter: 'pipelined' | 'in-thread';
  /** PostgreSQL: `unnamed` behind a transaction-mode pooler (PgBouncer); see postgres-statements-setting.ts. */
  postgresStatements: PostgresStatements;
  /** Config history: revisions of every config write, and how long they are kept. */
  history: {
    /** Record revisions (default); off only to measure what they cost (no history, no feed). */
    enabled: boolean;
    /** Run compaction in this process. */
    compactor: boolean;
    /** Revisions older than this may be compacted, seconds. */
    retentionSeconds: number;
    /** Whatever their age, each scope keeps its last N revisions. */
    keepPerScope: number;
    /** How often compaction runs, ms. */
    compactionIntervalMs: number;
    /** Revisions deleted per transaction. */
    compactionBatchSize: number;
  };
  /** How long growing tables keep finished rows, and the background pruner that enforces it. */
  retention: {
    /** Run the pruner in this process. */
    pruner: boolean;
    /** Delivered and failed events, seconds after their last attempt. */
    eventsSeconds: number;
    /** Push request records, seconds: at least the 24 h idempotency window. */
    pushRequestsSeconds: number;
    /** Sent and failed replies, seconds after they finished. */
    repliesSeconds: number;
    /** Pull log entries kept per instance (the newest). */
    pullsPerInstance: number;
    /** How often the pruner runs, ms. */
    intervalMs: number;
    /** Rows deleted per statement. */
    batchSize: number;
  };
  /** Failed authentications allowed per window before they are answered 429 (correct credentials never are). */
  authFailures: { perAddress: number; perCredential: number; windowSeconds: number };
  /** The change feed (`GET …/integrations/{integration}/changes`). */
  changes: {
    /** A comment line on every idle change stream this often, ms, so proxies keep it open. */
    heartbeatMs: number;
    /** How often each node re-reads the feeds it serves without a notification, ms: the safety net. */
    pollMs: number;
    /** Change streams (SSE) one client address may hold open at once on a node (429 beyond). */
    maxStreamsPerClient: number;
  };
  /** What one client may hold of the server: slow or greedy clients are cut off, not waited for. */
  connections: {
    /** Time to send the request headers, ms (408 after it). */
    headersTimeoutMs: number;
    /** Time to send the whole request, body included, ms (408 after it). */
    requestTimeoutMs: number;
    /** How long an idle keep-alive connection stays open, ms. */
    keepAliveTimeoutMs: number;
    /** Connections open at once; more are refused at accept. */
    maxConnections: number;
    /** Requests one client address may have in flight at once (429 beyond). */
    maxRequestsPerClient: number;
  };
}

type Env = Record<string, string | undefined>;

function integerSetting(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}; got "${raw}"`);
  }
  return value;
}

function logFormatSetting(raw: string | undefined): Settings['logFormat'] {
  if (raw === undefined || raw === '') return 'auto';
  if (raw === 'json' || raw === 'pretty') return raw;
  throw new Error(
    `LOG_FORMAT must be "json" or "pretty" (unset: readable on a terminal in development, JSON otherwise); got "${raw}"`,
  );
}

/** Settings from the environment, with flags (already parsed) taking precedence. */
export function loadSettings(
  env: Env = process.env,
  flags: Partial<Record<'port' | 'host' | 'database' | 'waitForDatabase', string>> = {},
): Settings {
  const pullTimeoutMs = integerSetting(
    'SWITCHBOARD_PULL_TIMEOUT_MS',
    env.SWITCHBOARD_PULL_TIMEOUT_MS,
    30_000,
    100,
    600_000,
  );
  const mode = env.SWITCHBOARD_MODE ?? (env.NODE_ENV === 'production' ? 'production' : 'development');
  if (mode !== 'development' && mode !== 'production') {
    throw new Error(`SWITCHBOARD_MODE must be "development" or "production"; got "${mode}"`);
  }
  return {
    port: integerSetting('PORT', flags.port ?? env.PORT, 3000, 0, 65535),
    host: flags.host ?? env.HOST ?? '127.0.0.1',
    databaseUrl: flags.database ?? env.DATABASE_URL ?? defaultDatabaseUrl,
    waitForDatabaseSeconds: integerSetting(
      flags.waitForDatabase === undefined ? 'SWITCHBOARD_WAIT_FOR_DATABASE_SECONDS' : '--wait-for-database',
      flags.waitForDatabase ?? env.SWITCHBOARD_WAIT_FOR_DATABASE_SECONDS,
      0,
      0,
      86_400,
    ),
    postgresListenUrl: listenUrlSetting(env.SWITCHBOARD_POSTGRES_LISTEN_URL),
    postgres: postgresSettings(env, integerSetting),
    postgresReadCache: onOffSetting('SWITCHBOARD_POSTGRES_READ_CACHE', env.SWITCHBOARD_POSTGRES_READ_CACHE, false),
    mode,
    baseDomain: env.SWITCHBOARD_BASE_DOMAIN || undefined,
    publicUrl: publicUrlSetting(env.SWITCHBOARD_PUBLIC_URL),
    tls: tlsSettings(env, mode, integerSetting),
    bodyLimit: integerSetting(
      'SWITCHBOARD_BODY_LIMIT',
      env.SWITCHBOARD_BODY_LIMIT,
      1024 * 1024,
      1024,
      100 * 1024 * 1024,
    ),
    // 8 full pushes (16 MiB each), or hundreds of ordinary bodies, at once.
    bodyBytesInFlight: integerSetting(
      'SWITCHBOARD_BODY_BYTES_IN_FLIGHT',
      env.SWITCHBOARD_BODY_BYTES_IN_FLIGHT,
      128 * 1024 * 1024,
      1024,
      16 * 1024 * 1024 * 1024,
    ),
    maxConfigBytes: integerSetting(
      'SWITCHBOARD_MAX_CONFIG_BYTES',
      env.SWITCHBOARD_MAX_CONFIG_BYTES,
      256 * 1024,
      2,
      100 * 1024 * 1024,
    ),
    dataDir: env.SWITCHBOARD_DATA_DIR ?? './data',
    logLevel: env.LOG_LEVEL ?? 'info',
    logFormat: logFormatSetting(env.LOG_FORMAT),
    trustProxy: env.SWITCHBOARD_TRUST_PROXY === 'true',
    pull: {
      scheduler: env.SWITCHBOARD_PULL_SCHEDULER !== 'off',
      // "About every 2 minutes" as the vendor does; seconds in development so a loop is visible.
      intervalMs: integerSetting(
        'SWITCHBOARD_PULL_INTERVAL_MS',
        env.SWITCHBOARD_PULL_INTERVAL_MS,
        mode === 'production' ? 120_000 : 10_000,
        100,
        86_400_000,
      ),
      concurrency: integerSetting('SWITCHBOARD_PULL_CONCURRENCY', env.SWITCHBOARD_PULL_CONCURRENCY, 50, 1, 10_000),
      timeoutMs: pullTimeoutMs,
      // Short: a dead node's instances are pulled again within about this long.
      leaseMs: integerSetting('SWITCHBOARD_PULL_LEASE_MS', env.SWITCHBOARD_PULL_LEASE_MS, 10_000, 300, 3_600_000),
      postgresBatch: integerSetting(
        'SWITCHBOARD_PULL_POSTGRES_BATCH',
        env.SWITCHBOARD_PULL_POSTGRES_BATCH,
        64,
        1,
        1000,
      ),
      maxResponseBytes: integerSetting(
        'SWITCHBOARD_PULL_MAX_RESPONSE_BYTES',
        env.SWITCHBOARD_PULL_MAX_RESPONSE_BYTES,
        2 * 1024 * 1024,
        1024,
        100 * 1024 * 1024,
      ),
      deactivateAfter: integerSetting(
        'SWITCHBOARD_PULL_DEACTIVATE_AFTER',
        env.SWITCHBOARD_PULL_DEACTIVATE_AFTER,
        10,
        1,
        1000,
      ),
      maxBackoffMs: integerSetting(
        'SWITCHBOARD_PULL_MAX_BACKOFF_MS',
        env.SWITCHBOARD_PULL_MAX_BACKOFF_MS,
        3_600_000,
        100,
        86_400_000,
      ),
    },
    inspector: inspectorSetting(env.SWITCHBOARD_INSPECTOR_EXCHANGES, mode),
    channelback: {
      sender: env.SWITCHBOARD_CHANNELBACK_SENDER !== 'off',
      attempts: integerSetting('SWITCHBOARD_CHANNELBACK_ATTEMPTS', env.SWITCHBOARD_CHANNELBACK_ATTEMPTS, 5, 1, 100),
      backoffMs: integerSetting(
        'SWITCHBOARD_CHANNELBACK_BACKOFF_MS',
        env.SWITCHBOARD_CHANNELBACK_BACKOFF_MS,
        5000,
        10,
        3_600_000,
      ),
      maxBackoffMs: integerSetting(
        'SWITCHBOARD_CHANNELBACK_MAX_BACKOFF_MS',
        env.SWITCHBOARD_CHANNELBACK_MAX_BACKOFF_MS,
        600_000,
        10,
        86_400_000,
      ),
      // Short, as pulls': renewed every third while a send runs, so a dead node's replies are sent within about this long.
      leaseMs: integerSetting(
        'SWITCHBOARD_CHANNELBACK_LEASE_MS',
        env.SWITCHBOARD_CHANNELBACK_LEASE_MS,
        10_000,
        300,
        86_400_000,
      ),
      concurrency: integerSetting(
        'SWITCHBOARD_CHANNELBACK_CONCURRENCY',
        env.SWITCHBOARD_CHANNELBACK_CONCURRENCY,
        50,
        1,
        10_000,
      ),
    },
    events: {
      deliverer: env.SWITCHBOARD_EVENTS_DELIVERER !== 'off',
      pollMs: integerSetting('SWITCHBOARD_EVENTS_POLL_MS', env.SWITCHBOARD_EVENTS_POLL_MS, 500, 10, 3_600_000),
      batchSize: integerSetting('SWITCHBOARD_EVENTS_BATCH_SIZE', env.SWITCHBOARD_EVENTS_BATCH_SIZE, 100, 1, 1000),
      concurrency: integerSetting('SWITCHBOARD_EVENTS_CONCURRENCY', env.SWITCHBOARD_EVENTS_CONCURRENCY, 8, 1, 1000),
      maxAttempts: integerSetting('SWITCHBOARD_EVENTS_MAX_ATTEMPTS', env.SWITCHBOARD_EVENTS_MAX_ATTEMPTS, 10, 1, 100),
      retryBaseMs: integerSetting(
        'SWITCHBOARD_EVENTS_RETRY_BASE_MS',
        env.SWITCHBOARD_EVENTS_RETRY_BASE_MS,
        1000,
        1,
        3_600_000,
      ),
      maxBackoffMs: integerSetting(
        'SWITCHBOARD_EVENTS_MAX_BACKOFF_MS',
        env.SWITCHBOARD_EVENTS_MAX_BACKOFF_MS,
        3_600_000,
        1,
        86_400_000,
      ),
      // Short, as pulls': renewed every third while a batch is delivered, so a dead node's events go out within about this long.
      leaseMs: integerSetting('SWITCHBOARD_EVENTS_LEASE_MS', env.SWITCHBOARD_EVENTS_LEASE_MS, 10_000, 300, 3_600_000),
    },
    secretKey: env.SWITCHBOARD_SECRET_KEY || undefined,
    encryptionKeys: env.SWITCHBOARD_ENCRYPTION_KEYS || undefined,
    encryptionKeyFile: env.SWITCHBOARD_ENCRYPTION_KEY_FILE || undefined,
    handoffTtlMs: integerSetting(
      'SWITCHBOARD_HANDOFF_TTL_MS',
      env.SWITCHBOARD_HANDOFF_TTL_MS,
      30 * 60_000,
      1000,
      86_400_000,
    ),
    outboundAllow: (env.SWITCHBOARD_OUTBOUND_ALLOW ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    authCacheMs: integerSetting('SWITCHBOARD_AUTH_CACHE_MS', env.SWITCHBOARD_AUTH_CACHE_MS, 10_000, 0, 3_600_000),
    readCacheEntries: integerSetting(
      'SWITCHBOARD_READ_CACHE_ENTRIES',
      env.SWITCHBOARD_READ_CACHE_ENTRIES,
      10_000,
      0,
      1_000_000,
    ),
    shutdownGraceMs: integerSetting(
      'SWITCHBOARD_SHUTDOWN_GRACE_MS',
      env.SWITCHBOARD_SHUTDOWN_GRACE_MS,
      10_000,
      0,
      600_000,
    ),
    sqliteSynchronous: sqliteSynchronous(env.SWITCHBOARD_SQLITE_SYNCHRONOUS),
    sqliteWriter: sqliteWriter(env.SWITCHBOARD_SQLITE_WRITER),
    postgresStatements: postgresStatementsSetting(env.SWITCHBOARD_POSTGRES_STATEMENTS),
    history: historySettings(env),
    retention: retentionSettings(env),
    authFailures: {
      perAddress: integerSetting(
        'SWITCHBOARD_AUTH_FAILURES_PER_ADDRESS',
        env.SWITCHBOARD_AUTH_FAILURES_PER_ADDRESS,
        60,
        1,
        1_000_000,
      ),
      perCredential: integerSetting(
        'SWITCHBOARD_AUTH_FAILURES_PER_CREDENTIAL',
        env.SWITCHBOARD_AUTH_FAILURES_PER_CREDENTIAL,
        10,
        1,
        1_000_000,
      ),
      windowSeconds: integerSetting(
        'SWITCHBOARD_AUTH_FAILURE_WINDOW_S',
        env.SWITCHBOARD_AUTH_FAILURE_WINDOW_S,
        60,
        1,
        86_400,
      ),
    },
    changes: {
      heartbeatMs: integerSetting(
        'SWITCHBOARD_CHANGES_HEARTBEAT_MS',
        env.SWITCHBOARD_CHANGES_HEARTBEAT_MS,
        15_000,
        10,
        600_000,
      ),
      pollMs: integerSetting('SWITCHBOARD_CHANGES_POLL_MS', env.SWITCHBOARD_CHANGES_POLL_MS, 5_000, 10, 3_600_000),
      maxStreamsPerClient: integerSetting(
        'SWITCHBOARD_MAX_STREAMS_PER_CLIENT',
        env.SWITCHBOARD_MAX_STREAMS_PER_CLIENT,
        1_000,
        1,
        1_000_000,
      ),
    },
    connections: {
      headersTimeoutMs: integerSetting(
        'SWITCHBOARD_HEADERS_TIMEOUT_MS',
        env.SWITCHBOARD_HEADERS_TIMEOUT_MS,
        10_000,
        100,
        600_000,
      ),
      requestTimeoutMs: integerSetting(
        'SWITCHBOARD_REQUEST_TIMEOUT_MS',
        env.SWITCHBOARD_REQUEST_TIMEOUT_MS,
        30_000,
        100,
        3_600_000,
      ),
      keepAliveTimeoutMs: integerSetting(
        'SWITCHBOARD_KEEP_ALIVE_TIMEOUT_MS',
        env.SWITCHBOARD_KEEP_ALIVE_TIMEOUT_MS,
        5_000,
        100,
        600_000,
      ),
      maxConnections: integerSetting(
        'SWITCHBOARD_MAX_CONNECTIONS',
        env.SWITCHBOARD_MAX_CONNECTIONS,
        10_000,
        1,
        1_000_000,
      ),
      maxRequestsPerClient: integerSetting(
        'SWITCHBOARD_MAX_REQUESTS_PER_CLIENT',
        env.SWITCHBOARD_MAX_REQUESTS_PER_CLIENT,
        256,
        1,
        1_000_000,
      ),
    },
  };
}

function historySettings(env: Env): Settings['history'] {
  const onOff = (name: string, raw: string | undefined) => {
    if (raw === undefined || raw === '' || raw === 'on') return true;
    if (raw === 'off') return false;
    throw new Error(`${name} must be "on" or "off"; got "${raw}"`);
  };
  const number = (name: string, fallback: number, min: number, max: number) =>
    integerSetting(name, env[name], fallback, min, max);
  return {
    enabled: onOff('SWITCHBOARD_CONFIG_HISTORY', env.SWITCHBOARD_CONFIG_HISTORY),
    compactor: onOff('SWITCHBOARD_HISTORY_COMPACTOR', env.SWITCHBOARD_HISTORY_COMPACTOR),
    retentionSeconds: number('SWITCHBOARD_HISTORY_RETENTION_S', 30 * 86_400, 60, 100 * 365 * 86_400),
    keepPerScope: number('SWITCHBOARD_HISTORY_KEEP_PER_SCOPE', 10, 1, 1_000_000),
    compactionIntervalMs: number('SWITCHBOARD_HISTORY_COMPACTION_INTERVAL_MS', 600_000, 100, 86_400_000),
    compactionBatchSize: number('SWITCHBOARD_HISTORY_COMPACTION_BATCH', 500, 1, 100_000),
  };
}

function retentionSettings(env: Env): Settings['retention'] {
  const number = (name: string, fallback: number, min: number, max: number) =>
    integerSetting(name, env[name], fallback, min, max);
  const pruner = env.SWITCHBOARD_RETENTION_PRUNER ?? 'on';
  if (pruner !== 'on' && pruner !== 'off') {
    throw new Error(`SWITCHBOARD_RETENTION_PRUNER must be "on" or "off"; got "${pruner}"`);
  }
  const day = 86_400;
  return {
    pruner: pruner === 'on',
    eventsSeconds: number('SWITCHBOARD_EVENTS_RETENTION_S', 7 * day, 60, 100 * 365 * day),
    // Never under a day: a push repeated within 24 h must find its first answer.
    pushRequestsSeconds: number('SWITCHBOARD_PUSH_REQUESTS_RETENTION_S', day, day, 365 * day),
    repliesSeconds: number('SWITCHBOARD_REPLIES_RETENTION_S', 30 * day, 60, 100 * 365 * day),
    pullsPerInstance: number('SWITCHBOARD_PULLS_KEEP_PER_INSTANCE', 100, 1, 1_000_000),
    intervalMs: number('SWITCHBOARD_RETENTION_INTERVAL_MS', 60_000, 100, 86_400_000),
    batchSize: number('SWITCHBOARD_RETENTION_BATCH', 500, 1, 100_000),
  };
}

function sqliteSynchronous(raw: string | undefined): Settings['sqliteSynchronous'] {
  const value = (raw ?? 'FULL').toUpperCase();
  if (value !== 'FULL' && value !== 'NORMAL' && value !== 'OFF') {
    throw new Error(`SWITCHBOARD_SQLITE_SYNCHRONOUS must be FULL, NORMAL or OFF; got "${raw}"`);
  }
  return value;
}

function sqliteWriter(raw: string | undefined): Settings['sqliteWriter'] {
  const value = raw ?? 'pipelined';
  if (value === 'thread') {
    throw new Error(
      'SWITCHBOARD_SQLITE_WRITER=thread is retired: use in-thread, which like thread never shows a write ' +
        'before it is on disk, or leave it unset for pipelined',
    );
  }
  if (value !== 'pipelined' && value !== 'in-thread') {
    throw new Error(`SWITCHBOARD_SQLITE_WRITER must be pipelined or in-thread; got "${raw}"`);
  }
  return value;
}

/** `SWITCHBOARD_PUBLIC_URL`: an http(s) origin, kept without its trailing slash. */
function publicUrlSetting(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.pathname !== '/' || url.search || url.hash || url.username) {
    throw new Error(
      `SWITCHBOARD_PUBLIC_URL must be an http or https origin without a path, like https://switchboard.example.com; got "${raw}"`,
    );
  }
  return url.origin;
}

/** `SWITCHBOARD_POSTGRES_LISTEN_URL`: a postgres:// URL, or unset. */
function listenUrlSetting(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (!/^postgres(ql)?:\/\/./.test(raw)) {
    throw new Error(
      `SWITCHBOARD_POSTGRES_LISTEN_URL must be a postgres:// URL straight to the server (not through a transaction pooler); got "${raw.replace(/\/\/[^@/]*@/, '//…@')}"`,
    );
  }
  return raw;
}

/** An `on`/`off` setting; unset or empty is `fallback`. */
function onOffSetting(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'on' && raw !== 'off') throw new Error(`${name} must be "on" or "off"; got "${raw}"`);
  return raw === 'on';
}
