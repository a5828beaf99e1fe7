/**
 * `SWITCHBOARD_POSTGRES_STATEMENTS`: `named` (default: parameterised statements are prepared
 * once per connection) or `unnamed`, for a transaction-mode pooler such as PgBouncer: no named
 * prepared statements, no session state, and LISTEN only on `SWITCHBOARD_POSTGRES_LISTEN_URL`
 * (without it the store polls). See docs/production-postgres.md, "PgBouncer".
 */
export type PostgresStatements = 'named' | 'unnamed';

export function postgresStatementsSetting(raw: string | undefined): PostgresStatements {
  const value = raw ?? 'named';
  if (value !== 'named' && value !== 'unnamed') {
    throw new Error(
      `SWITCHBOARD_POSTGRES_STATEMENTS must be named or unnamed (unnamed behind a transaction-mode pooler such as PgBouncer); got "${raw}"`,
    );
  }
  return value;
}
