import type { ConfigRow } from '../rows.js';
import { sql } from './queries.js';
import { TurnBatches } from './turn-batches.js';

/** Many configs in one statement: the n-th row of the arrays is the n-th read; `i` says which read a row answers. */
export const configsByScopesSql = `
    SELECT wanted.i, configs.*
    FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS wanted(account_id, integration, scope, i)
    JOIN configs ON configs.account_id = wanted.account_id AND configs.integration = wanted.integration
      AND configs.scope = wanted.scope`;

type RunRows = <R extends ConfigRow>(text: string, values: unknown[]) => Promise<R[]>;

interface Wanted {
  accountId: number;
  integration: string;
  scope: string;
}

/**
 * Config reads that arrive together share one statement and one round trip
 * ({@link TurnBatches}); a lone read uses the plain statement.
 */
export class PostgresConfigReads {
  private readonly batches: TurnBatches<Wanted, ConfigRow | undefined>;

  /** `rows`: the store's statement runner (its connection-error mapping and close() tracking apply). */
  constructor(rows: RunRows, maxBatch = 100) {
    this.batches = new TurnBatches(
      {
        one: async (wanted) => (await rows(sql.configByScope, [wanted.accountId, wanted.integration, wanted.scope]))[0],
        many: async (batch) => {
          const found = await rows<ConfigRow & { i: string }>(configsByScopesSql, [
            batch.map((w) => w.accountId),
            batch.map((w) => w.integration),
            batch.map((w) => w.scope),
          ]);
          const answers: (ConfigRow | undefined)[] = new Array(batch.length);
          for (const row of found) answers[Number(row.i) - 1] = row;
          return answers;
        },
      },
      maxBatch,
    );
  }

  read(accountId: number, integration: string, scope: string): Promise<ConfigRow | undefined> {
    return this.batches.ask({ accountId, integration, scope });
  }
}
