import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * SQL on the database a store URL names, behind the store's back: for set-up a store would
 * refuse (a future migration, an unknown table) and for checks its contract cannot make.
 */
async function onDatabase<T>(
  url: string,
  onSqlite: (db: Database.Database) => T,
  onPostgres: (client: pg.Client) => Promise<T>,
): Promise<T> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length));
    try {
      return onSqlite(db);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await onPostgres(client);
  } finally {
    await client.end();
  }
}

/** Runs SQL statements on a store's database. */
export async function execSql(url: string, statements: string): Promise<void> {
  await onDatabase(
    url,
    (db) => {
      db.exec(statements);
    },
    async (client) => {
      await client.query(statements);
    },
  );
}

/** Rows of `table` matching `where`, counted on a store's database. */
export async function countRows(url: string, table: string, where: string): Promise<number> {
  const statement = `SELECT count(*) AS n FROM ${table} WHERE ${where}`;
  return onDatabase(
    url,
    (db) => (db.prepare(statement).get() as { n: number }).n,
    async (client) => Number((await client.query<{ n: string }>(statement)).rows[0]!.n),
  );
}
