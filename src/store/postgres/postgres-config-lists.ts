import type { ConfigRow } from '../rows.js';
import { sql } from './queries.js';
import { TurnBatches } from './turn-batches.js';

/**
 * Many prefix lists in one statement: the n-th element of the arrays is the n-th list (as
 * `listConfigsPrefix` takes it); `i` says which list a row belongs to.
 */
export const configPagesByPrefixSql = `
    SELECT wanted.i, page.*
    FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::integer[], $6::text[], $7::text[])
      WITH ORDINALITY AS wanted(account_id, integration, pattern, after_id, page_limit, low, high, i)
    CROSS JOIN LATERAL (
      SELECT * FROM configs
      WHERE account_id = wanted.account_id AND integration = wanted.integration
        AND scope >= wanted.low AND scope < wanted.high
        AND scope LIKE wanted.pattern ESCAPE E'\\\\' AND id > wanted.after_id
      ORDER BY id LIMIT wanted.page_limit
    ) AS page
    ORDER BY wanted.i, page.id`;

type RunRows = <R extends ConfigRow>(text: string, values: unknown[]) => Promise<R[]>;

/** One page of a prefix-wildcard list: the LIKE operand, and the prefix's range (`prefixRange`). */
export interface PrefixList {
  accountId: number;
  integration: string;
  pattern: string;
  afterId: number;
  limit: number;
  low: string;
  high: string;
}

/**
 * Prefix-wildcard lists that arrive together share one statement and one round trip, as
 * config reads do ({@link TurnBatches}); a lone list uses `listConfigsPrefix`.
 */
export class PostgresConfigLists {
  private readonly batches: TurnBatches<PrefixList, ConfigRow[]>;

  /** `rows`: the store's statement runner (its connection-error mapping and close() tracking apply). */
  constructor(rows: RunRows, maxBatch = 100) {
    this.batches = new TurnBatches(
      {
        one: (list) =>
          rows(sql.listConfigsPrefix, [
            list.accountId,
            list.integration,
            list.pattern,
            list.afterId,
            list.limit,
            list.low,
            list.high,
          ]),
        many: async (batch) => {
          const found = await rows<ConfigRow & { i: string }>(configPagesByPrefixSql, [
            batch.map((l) => l.accountId),
            batch.map((l) => l.integration),
            batch.map((l) => l.pattern),
            batch.map((l) => l.afterId),
            batch.map((l) => l.limit),
            batch.map((l) => l.low),
            batch.map((l) => l.high),
          ]);
          const pages: ConfigRow[][] = batch.map(() => []);
          for (const { i, ...row } of found) pages[Number(i) - 1]!.push(row);
          return pages;
        },
      },
      maxBatch,
    );
  }

  list(list: PrefixList): Promise<ConfigRow[]> {
    return this.batches.ask(list);
  }
}
