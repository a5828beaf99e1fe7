import { driverFor } from '../../src/store/store-drivers.js';
import type { RawSql } from '../../src/store/store-driver.js';

/**
 * SQL on the database a store URL names, behind the store's back (through its driver's raw
 * connection): for set-up a store would refuse (a future migration, an unknown table) and for
 * checks its contract cannot make.
 */
async function onDatabase<T>(url: string, work: (raw: RawSql) => Promise<T>): Promise<T> {
  const driver = driverFor(url);
  if (!driver) throw new Error(`No store driver opens ${url}`);
  const raw = await driver.connectRaw(url);
  try {
    return await work(raw);
  } finally {
    await raw.close();
  }
}

/** Runs SQL statements on a store's database. */
export async function execSql(url: string, statements: string): Promise<void> {
  await onDatabase(url, (raw) => raw.exec(statements));
}

/** Rows of `table` matching `where`, counted on a store's database. */
export async function countRows(url: string, table: string, where: string): Promise<number> {
  const statement = `SELECT count(*) AS n FROM ${table} WHERE ${where}`;
  return onDatabase(url, async (raw) => Number((await raw.rows<{ n: number | string }>(statement))[0]!.n));
}

/** The rows of one statement on a store's database (`?` or `$1` for parameters, as its dialect writes them). */
export function rowsOf<T>(url: string, statement: string, values: unknown[] = []): Promise<T[]> {
  return onDatabase(url, (raw) => raw.rows<T>(statement, values));
}
