// A PostgreSQL URL as libpq reads it, for node-postgres, which does not: several hosts
// (`postgres://h1:5432,h2:5432/db`) tried in order, and `target_session_attrs` to take the
// first that fits. Every other query parameter is one node-postgres reads, or a start-up error.
import pg from 'pg';

/** What a server must be to be taken (libpq's `target_session_attrs`). */
export type TargetSessionAttrs = 'any' | 'read-write' | 'read-only' | 'primary' | 'standby' | 'prefer-standby';

const sessionAttrs: readonly TargetSessionAttrs[] = [
  'any',
  'read-write',
  'read-only',
  'primary',
  'standby',
  'prefer-standby',
];

/** One `host[:port]` of the URL; an empty host is node-postgres's default (PGHOST or localhost). */
export interface PostgresHost {
  host: string;
  port: number | undefined;
}

/** A database URL taken apart: its hosts in order, what to look for, and a pg config per host. */
export interface PostgresUrl {
  hosts: readonly PostgresHost[];
  targetSessionAttrs: TargetSessionAttrs;
  /** The URL's `options` (e.g. `-c search_path=…`), merged with the store's own `-c` settings. */
  options: string | undefined;
  /** `host:port` of each host, for messages (never the password). */
  describe(host: PostgresHost): string;
  /** A node-postgres config for one host: the URL's user, password, database and TLS parameters. */
  clientConfig(host: PostgresHost): pg.ClientConfig;
}

/** The query parameters node-postgres reads (pg-connection-string and pg's ConnectionParameters). */
export const nodePostgresParameters = [
  'sslmode',
  'ssl',
  'sslcert',
  'sslkey',
  'sslrootcert',
  'sslnegotiation',
  'uselibpqcompat',
  'application_name',
  'fallback_application_name',
  'client_encoding',
  'options',
  'host',
  'port',
  'user',
  'password',
] as const;

/** Parameters Switchboard adds to node-postgres's. */
export const switchboardParameters = ['target_session_attrs'] as const;

/** Parameters node-postgres reads that a setting owns here: one source for each bound. */
const ownedBySettings: Record<string, string> = {
  statement_timeout: 'SWITCHBOARD_POSTGRES_STATEMENT_TIMEOUT_MS',
  lock_timeout: 'SWITCHBOARD_POSTGRES_LOCK_TIMEOUT_MS',
  idle_in_transaction_session_timeout: 'SWITCHBOARD_POSTGRES_IDLE_IN_TRANSACTION_TIMEOUT_MS',
  query_timeout: 'SWITCHBOARD_POSTGRES_QUERY_TIMEOUT_MS',
  connect_timeout: 'SWITCHBOARD_POSTGRES_CONNECT_TIMEOUT_MS',
};

/** A database URL Switchboard cannot use; the message names the part, never the password. */
export class PostgresUrlError extends Error {}

const accepted = new Set<string>([...nodePostgresParameters, ...switchboardParameters]);

/** `host`, `host:port`, `[v6]`, `[v6]:port`. */
function parseHost(text: string): PostgresHost {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(text);
  if (!match) throw new PostgresUrlError(`The database URL's host "${text}" is not host[:port].`);
  const port = match[2] ? Number(match[2]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) {
    throw new PostgresUrlError(`The database URL's port ${match[2]} is not a TCP port (1 to 65535).`);
  }
  let host: string;
  try {
    // `%2Fvar%2Frun%2Fpostgresql`: a socket directory, as node-postgres reads it.
    host = decodeURIComponent(match[1]!.replace(/^\[(.*)\]$/, '$1'));
  } catch {
    throw new PostgresUrlError(`The database URL's host "${match[1]}" is not valid percent-encoding.`);
  }
  return { host, port };
}

/** A host as the authority of a URL writes it. */
const hostInUrl = (host: string) =>
  host.startsWith('/') ? encodeURIComponent(host) : host.includes(':') ? `[${host}]` : host;

/**
 * Takes a `postgres://` or `postgresql://` URL apart. Throws {@link PostgresUrlError} for a
 * query parameter node-postgres does not read (naming it), for one a Switchboard setting
 * owns, and for an unknown `target_session_attrs`.
 */
export function parsePostgresUrl(url: string): PostgresUrl {
  const match = /^(postgres(?:ql)?:\/\/)([^/?#]*)(.*)$/s.exec(url);
  if (!match) throw new PostgresUrlError('The database URL must start with postgres:// or postgresql://.');
  const [, scheme, authority, rest] = match as unknown as [string, string, string, string];
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : '';
  const hosts = authority
    .slice(at + 1)
    .split(',')
    .map(parseHost);
  if (hosts.length > 1 && hosts.some((h) => h.host === '')) {
    throw new PostgresUrlError('The database URL lists several hosts and one of them is empty.');
  }
  // The rest (path, query) read as a URL on a placeholder host: the parameters, as pg will see them.
  let query: URLSearchParams;
  try {
    query = new URL(`postgres://placeholder${rest}`).searchParams;
  } catch {
    throw new PostgresUrlError("The database URL's path or query cannot be read.");
  }
  for (const name of new Set(query.keys())) {
    const setting = ownedBySettings[name];
    if (setting) {
      throw new PostgresUrlError(`The database URL parameter "${name}" is not accepted here: set ${setting} instead.`);
    }
    if (!accepted.has(name)) {
      throw new PostgresUrlError(
        `The database URL parameter "${name}" is not one Switchboard reads; ` +
          `accepted: ${[...accepted].join(', ')} (see docs/production-postgres.md).`,
      );
    }
  }
  if (hosts.length > 1 && (query.has('host') || query.has('port'))) {
    throw new PostgresUrlError(
      'The database URL lists several hosts: it cannot also take a "host" or "port" parameter.',
    );
  }
  const attrs = query.get('target_session_attrs') ?? 'any';
  if (!sessionAttrs.includes(attrs as TargetSessionAttrs)) {
    throw new PostgresUrlError(
      `The database URL parameter target_session_attrs must be one of ${sessionAttrs.join(', ')}; got "${attrs}".`,
    );
  }
  // What pg parses: the URL without the parameters read here (options is merged by the caller).
  const forPg = new URL(`postgres://placeholder${rest}`);
  forPg.searchParams.delete('target_session_attrs');
  forPg.searchParams.delete('options');
  const pgRest = `${forPg.pathname}${forPg.search}`;
  const describe = (host: PostgresHost) =>
    `${host.host.includes(':') ? `[${host.host}]` : host.host || 'localhost'}${host.port ? `:${host.port}` : ''}`;
  return {
    hosts,
    targetSessionAttrs: attrs as TargetSessionAttrs,
    options: query.get('options') ?? undefined,
    describe,
    clientConfig: (host) => {
      const port = host.port ? `:${host.port}` : '';
      return { connectionString: `${scheme}${userinfo}${hostInUrl(host.host)}${port}${pgRest}` };
    },
  };
}

/** What to ask a server to tell whether it fits: one round trip. */
export const sessionAttrsQuery =
  "SELECT pg_is_in_recovery() AS in_recovery, current_setting('transaction_read_only') = 'on' AS read_only";

/** Whether a server with these facts fits `attrs` (`prefer-standby` takes any, in its second pass). */
export function serverFits(attrs: TargetSessionAttrs, facts: { in_recovery: boolean; read_only: boolean }): boolean {
  switch (attrs) {
    case 'read-write':
      return !facts.read_only;
    case 'read-only':
      return facts.read_only;
    case 'primary':
      return !facts.in_recovery;
    case 'standby':
    case 'prefer-standby':
      return facts.in_recovery;
    default:
      return true;
  }
}

/** Asks a connected client whether its server fits; `any` costs no round trip. */
export async function checkSessionAttrs(
  client: pg.ClientBase,
  attrs: TargetSessionAttrs,
  queryTimeoutMs?: number,
): Promise<boolean> {
  if (attrs === 'any') return true;
  const { rows } = await client.query<{ in_recovery: boolean; read_only: boolean }>({
    text: sessionAttrsQuery,
    query_timeout: queryTimeoutMs,
  } as pg.QueryConfig);
  return serverFits(attrs, rows[0]!);
}

/** No host of the URL could be reached, or none fits its `target_session_attrs`. */
export class NoSuitableHostError extends Error {
  readonly code = '08001'; // sqlclient_unable_to_establish_sqlconnection: a connection failure
}

/**
 * A connected client on the first host of `url` that fits its `target_session_attrs`, the
 * way libpq picks one: hosts in order, a host that cannot be reached or does not fit
 * skipped; for `prefer-standby`, a second pass takes any. For connections outside the pool
 * (LISTEN): `config` adds the caller's settings (application_name, timeouts, keepalive).
 */
export async function connectFirstFitting(
  url: PostgresUrl,
  config: pg.ClientConfig = {},
  queryTimeoutMs?: number,
): Promise<{ client: pg.Client; host: PostgresHost }> {
  const passes: TargetSessionAttrs[] =
    url.targetSessionAttrs === 'prefer-standby' ? ['prefer-standby', 'any'] : [url.targetSessionAttrs];
  const failures: string[] = [];
  for (const attrs of passes) {
    for (const host of url.hosts) {
      const client = new pg.Client({ ...config, ...url.clientConfig(host) });
      client.on('error', () => {});
      try {
        await client.connect();
        if (await checkSessionAttrs(client, attrs, queryTimeoutMs)) return { client, host };
        failures.push(`${url.describe(host)}: not ${attrs}`);
      } catch (error) {
        failures.push(`${url.describe(host)}: ${(error as Error).message}`);
      }
      await endQuickly(client);
    }
  }
  throw new NoSuitableHostError(
    `No database host fits target_session_attrs=${url.targetSessionAttrs} (${failures.join('; ')})`,
  );
}

/** Ends a client without waiting on a server that may not answer. */
export async function endQuickly(client: pg.Client): Promise<void> {
  const ended = client.end().catch(() => {});
  const timer = setTimeout(() => client.connection?.stream?.destroy(), 1000);
  await ended;
  clearTimeout(timer);
}
