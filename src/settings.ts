import { defaultDatabaseUrl } from './store/open-store.js';

/** Everything the service can be told, from flags or the environment. */
export interface Settings {
  port: number;
  host: string;
  databaseUrl: string;
  /** `production` turns off first-run credentials (and, later, loopback outbound calls). */
  mode: 'development' | 'production';
  /** When set, a request to `{subdomain}.{baseDomain}` must use that account's credentials. */
  baseDomain: string | undefined;
  /** Largest request body, in bytes (413 beyond it). */
  bodyLimit: number;
  /** Largest stored config, in bytes of JSON (422 beyond it). */
  maxConfigBytes: number;
  /** Where first-run credentials are kept. */
  dataDir: string;
  logLevel: string;
  /** Trust X-Forwarded-* headers (behind a load balancer). */
  trustProxy: boolean;
  /** On SIGTERM, how long in-flight requests may take before their connections are cut. */
  shutdownGraceMs: number;
  /** SQLite durability: FULL (default) survives power loss; OFF exists for benchmarks. */
  sqliteSynchronous: 'FULL' | 'NORMAL' | 'OFF';
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

/** Settings from the environment, with flags (already parsed) taking precedence. */
export function loadSettings(
  env: Env = process.env,
  flags: Partial<Record<'port' | 'host' | 'database', string>> = {},
): Settings {
  const mode = env.SWITCHBOARD_MODE ?? (env.NODE_ENV === 'production' ? 'production' : 'development');
  if (mode !== 'development' && mode !== 'production') {
    throw new Error(`SWITCHBOARD_MODE must be "development" or "production"; got "${mode}"`);
  }
  return {
    port: integerSetting('PORT', flags.port ?? env.PORT, 3000, 0, 65535),
    host: flags.host ?? env.HOST ?? '127.0.0.1',
    databaseUrl: flags.database ?? env.DATABASE_URL ?? defaultDatabaseUrl,
    mode,
    baseDomain: env.SWITCHBOARD_BASE_DOMAIN || undefined,
    bodyLimit: integerSetting(
      'SWITCHBOARD_BODY_LIMIT',
      env.SWITCHBOARD_BODY_LIMIT,
      1024 * 1024,
      1024,
      100 * 1024 * 1024,
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
    trustProxy: env.SWITCHBOARD_TRUST_PROXY === 'true',
    shutdownGraceMs: integerSetting(
      'SWITCHBOARD_SHUTDOWN_GRACE_MS',
      env.SWITCHBOARD_SHUTDOWN_GRACE_MS,
      10_000,
      0,
      600_000,
    ),
    sqliteSynchronous: sqliteSynchronous(env.SWITCHBOARD_SQLITE_SYNCHRONOUS),
  };
}

function sqliteSynchronous(raw: string | undefined): Settings['sqliteSynchronous'] {
  const value = (raw ?? 'FULL').toUpperCase();
  if (value !== 'FULL' && value !== 'NORMAL' && value !== 'OFF') {
    throw new Error(`SWITCHBOARD_SQLITE_SYNCHRONOUS must be FULL, NORMAL or OFF; got "${raw}"`);
  }
  return value;
}
