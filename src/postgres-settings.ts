/**
 * `SWITCHBOARD_POSTGRES_*`: the PostgreSQL connection pool's size and every bound on a wait
 * for the database (docs/production-postgres.md). Ignored on SQLite.
 */
export interface PostgresSettings {
  /** `SWITCHBOARD_POSTGRES_POOL_SIZE`: most connections one node opens at once. */
  poolSize: number;
  /** `…_CONNECT_TIMEOUT_MS`: a new connection's connect and start-up. */
  connectTimeoutMs: number;
  /** `…_ACQUIRE_TIMEOUT_MS`: waiting for a connection, pooled or new. */
  acquireTimeoutMs: number;
  /** `…_QUERY_TIMEOUT_MS`: client side, one statement's answer; ends a wait on a silent server. */
  queryTimeoutMs: number;
  /** `…_STATEMENT_TIMEOUT_MS`: server-side `statement_timeout` (0: the server's own). */
  statementTimeoutMs: number;
  /** `…_LOCK_TIMEOUT_MS`: server-side `lock_timeout` (0: the server's own). */
  lockTimeoutMs: number;
  /** `…_IDLE_IN_TRANSACTION_TIMEOUT_MS`: server-side `idle_in_transaction_session_timeout` (0: the server's own). */
  idleInTransactionTimeoutMs: number;
}

type IntegerSetting = (name: string, raw: string | undefined, fallback: number, min: number, max: number) => number;

/** The settings from the environment; `integer` is settings.ts's parser (clear errors, bounds). */
export function postgresSettings(env: Record<string, string | undefined>, integer: IntegerSetting): PostgresSettings {
  const ms = (name: string, fallback: number, min: number) =>
    integer(`SWITCHBOARD_POSTGRES_${name}`, env[`SWITCHBOARD_POSTGRES_${name}`], fallback, min, 3_600_000);
  const settings: PostgresSettings = {
    poolSize: integer('SWITCHBOARD_POSTGRES_POOL_SIZE', env.SWITCHBOARD_POSTGRES_POOL_SIZE, 10, 1, 1000),
    connectTimeoutMs: ms('CONNECT_TIMEOUT_MS', 5000, 100),
    acquireTimeoutMs: ms('ACQUIRE_TIMEOUT_MS', 5000, 100),
    queryTimeoutMs: ms('QUERY_TIMEOUT_MS', 10_000, 100),
    statementTimeoutMs: ms('STATEMENT_TIMEOUT_MS', 10_000, 0),
    lockTimeoutMs: ms('LOCK_TIMEOUT_MS', 5000, 0),
    idleInTransactionTimeoutMs: ms('IDLE_IN_TRANSACTION_TIMEOUT_MS', 10_000, 0),
  };
  // The server's bound should end a statement first: the client's ends waits the server cannot see.
  if (settings.statementTimeoutMs > settings.queryTimeoutMs) {
    throw new Error(
      `SWITCHBOARD_POSTGRES_STATEMENT_TIMEOUT_MS (${settings.statementTimeoutMs}) must not exceed ` +
        `SWITCHBOARD_POSTGRES_QUERY_TIMEOUT_MS (${settings.queryTimeoutMs}): the client would give up on ` +
        `statements the server still runs`,
    );
  }
  return settings;
}
