import pg from 'pg';
import { epochSeconds, systemClock } from '../src/clock.js';
import { integrationName, settingsPerTenant } from './dataset.js';
import { provisionBenchAccount, type Credentials } from './seed.js';
import { wrapStore } from '../src/store/wrap-store.js';

export interface SeededPostgres extends Credentials {
  /** The server URL, with `search_path` set to the benchmark's schema and any other session settings. */
  databaseUrl: (settings?: Record<string, string>) => string;
  /** Drops the schema and everything in it. */
  drop: () => Promise<void>;
}

/** `url` with session settings added (`-c name=value`), e.g. search_path or synchronous_commit. */
export function withSessionSettings(url: string, settings: Record<string, string>): string {
  const options = Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(options)}`;
}

/**
 * A new schema in the database at `url` with `count` configs, so the benchmark never
 * touches existing tables. Provisioning goes through the PostgreSQL store; the configs
 * through one `INSERT … SELECT generate_series`, building the same scopes and JSON as
 * `dataset.ts` does.
 */
export async function seedPostgres(url: string, schema: string, count: number): Promise<SeededPostgres> {
  // Imported here so that a missing or broken PostgreSQL store only skips the PostgreSQL rows.
  const { PostgresStore } = await import('../src/store/postgres/postgres-store.js');
  const store = new PostgresStore(url, { schema });
  await store.migrate();
  const credentials = await provisionBenchAccount(wrapStore(store));
  await store.close();

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SET search_path TO "${schema}"`);
    await client.query(
      `INSERT INTO configs (account_id, integration, scope, config, version, created_at, updated_at)
       SELECT $1, $2, scope,
              '{"enabled":true,"endpoint":"https://hooks.example.com/' || scope || '","retries":3,"labels":["alpha","beta"]}',
              1, $3, $3
       FROM (
         SELECT g, 'tenant-' || lpad((g / $4)::text, 6, '0') || '.setting-' || (g % $4) AS scope
         FROM generate_series(0, $5::bigint - 1) AS g
       ) AS numbered
       ORDER BY g`,
      [credentials.accountId, integrationName, epochSeconds(systemClock), settingsPerTenant, count],
    );
    // Autovacuum would analyze a table this size within a minute; do it now so plans are settled.
    await client.query('ANALYZE configs');
  } finally {
    await client.end();
  }

  return {
    ...credentials,
    databaseUrl: (settings = {}) => withSessionSettings(url, { search_path: schema, ...settings }),
    drop: async () => {
      const dropper = new pg.Client({ connectionString: url });
      await dropper.connect();
      await dropper.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await dropper.end();
    },
  };
}

export interface SeededPostgresDatabase extends Credentials {
  /** The new database's name, e.g. for a pooler's URL to it. */
  name: string;
  /** The new database on the same server, without session settings. */
  url: string;
  /** Drops the database, ending any session on it (a pooler's among them). */
  drop: () => Promise<void>;
}

/**
 * A new database on the server at `url`, named `name`, with `count` configs in its `public`
 * schema: for a transaction pooler, which keeps no `search_path`.
 */
export async function seedPostgresDatabase(url: string, name: string, count: number): Promise<SeededPostgresDatabase> {
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const databaseUrl = new URL(url);
  databaseUrl.pathname = `/${name}`;
  const seeded = await seedPostgres(databaseUrl.toString(), 'public', count);
  return {
    ...seeded,
    name,
    url: databaseUrl.toString(),
    drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
