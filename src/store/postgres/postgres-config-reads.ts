import type { ConfigRow } from '../rows.js';
import { sql } from './queries.js';

/** One config a read asks for. */
interface Wanted {
  accountId: number;
  integration: string;
  scope: string;
  resolve: (row: ConfigRow | undefined) => void;
  reject: (error: unknown) => void;
}

/** Many configs in one statement: the n-th row of the arrays is the n-th read; `i` says which read a row answers. */
export const configsByScopesSql = `
    SELECT wanted.i, configs.*
    FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS wanted(account_id, integration, scope, i)
    JOIN configs ON configs.account_id = wanted.account_id AND configs.integration = wanted.integration
      AND configs.scope = wanted.scope`;

/**
 * Config reads that arrive together (in one turn of the event loop) share one statement
 * and one round trip: on a busy node most of a read's cost is the round trip itself
 * (a write to the server's socket and its answer, on both sides), so 30 reads in one
 * statement cost little more than one. Each read is still sent after it was asked, so it
 * sees every write committed before it (reads stay linearizable). A lone read uses the
 * plain statement; a failed statement fails every read in it.
 */
export class PostgresConfigReads {
  private waiting: Wanted[] = [];
  private scheduled = false;

  constructor(
    /** The store's statement runner: its connection-error mapping and close() tracking apply. */
    private readonly rows: <R extends ConfigRow>(text: string, values: unknown[]) => Promise<R[]>,
    private readonly maxBatch = 100,
  ) {}

  read(accountId: number, integration: string, scope: string): Promise<ConfigRow | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ accountId, integration, scope, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // After this turn's I/O: the reads whose requests arrived together join one statement.
      setImmediate(() => {
        this.scheduled = false;
        const waiting = this.waiting;
        this.waiting = [];
        for (let start = 0; start < waiting.length; start += this.maxBatch) {
          void this.send(waiting.slice(start, start + this.maxBatch));
        }
      });
    });
  }

  private async send(batch: Wanted[]): Promise<void> {
    try {
      if (batch.length === 1) {
        const [wanted] = batch as [Wanted];
        const [row] = await this.rows(sql.configByScope, [wanted.accountId, wanted.integration, wanted.scope]);
        wanted.resolve(row);
        return;
      }
      const rows = await this.rows<ConfigRow & { i: string }>(configsByScopesSql, [
        batch.map((w) => w.accountId),
        batch.map((w) => w.integration),
        batch.map((w) => w.scope),
      ]);
      const found: (ConfigRow | undefined)[] = new Array(batch.length);
      for (const row of rows) found[Number(row.i) - 1] = row;
      batch.forEach((wanted, n) => wanted.resolve(found[n]));
    } catch (error) {
      for (const wanted of batch) wanted.reject(error);
    }
  }
}
