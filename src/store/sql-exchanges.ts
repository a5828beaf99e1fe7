import { toExchange, toExchangeSummary, type ExchangeRow, type ExchangeSummaryRow } from './exchange-rows.js';
import type {
  BodiesRewrite,
  ExchangeRecord,
  ExchangeScope,
  ExchangeStorage,
  ExchangeSummary,
  NewExchange,
  StoredBodiesRow,
} from './exchange-store.js';
import { exchangeStatements } from './sql/exchanges.js';
import { forDialect } from './sql/render.js';
import { countOf, rowsOf, type SqlRunner } from './sql-runner.js';

/**
 * Recording into a ring, as each dialect writes it: statements run in order with the same
 * parameters (`$1` account … `$16` response bytes, `$17` keep); the first answers the id.
 */
export interface ExchangeRecordSql {
  readonly recordInstanceExchange: readonly string[];
  readonly recordIntegrationExchange: readonly string[];
}

/** The inspector's ring on either store. */
export class SqlExchanges implements ExchangeStorage {
  private readonly sql;

  constructor(
    private readonly db: SqlRunner,
    private readonly record: ExchangeRecordSql,
  ) {
    this.sql = forDialect(db.dialect, exchangeStatements);
  }

  async recordExchange(e: NewExchange, keep: number): Promise<number | undefined> {
    const [insert, ...prune] =
      e.instanceId !== null ? this.record.recordInstanceExchange : this.record.recordIntegrationExchange;
    const values = [
      ...[e.accountId, e.integrationId, e.instanceId, e.kind, e.method, e.url, e.startedAt, e.durationMs],
      ...[e.httpStatus, e.outcome, e.error, e.findingsJson, e.requestBody, e.requestBytes, e.responseBody],
      ...[e.responseBytes, keep],
    ];
    // One statement (PostgreSQL) runs on its own; an insert and its prune share one transaction.
    const [row] =
      prune.length === 0
        ? await this.db.writeRows<{ id: number }>(insert!, values)
        : await this.db.write(function* () {
            const inserted = yield* rowsOf<{ id: number }>(insert!, values);
            if (inserted.length > 0) for (const statement of prune) yield* countOf(statement, values);
            return inserted;
          });
    return row === undefined ? undefined : Number(row.id);
  }

  async listExchanges(scope: ExchangeScope, page: { beforeId?: number; limit: number }): Promise<ExchangeSummary[]> {
    const rows = await this.db.rows<ExchangeSummaryRow>(this.sql.listExchanges, [
      ...[scope.accountId, scope.instanceId, scope.integrationId],
      ...[page.beforeId ?? Number.MAX_SAFE_INTEGER, page.limit],
    ]);
    return rows.map(toExchangeSummary);
  }

  async getExchange(scope: ExchangeScope, id: number): Promise<ExchangeRecord | undefined> {
    const values = [scope.accountId, scope.instanceId, scope.integrationId, id];
    const [row] = await this.db.rows<ExchangeRow>(this.sql.getExchange, values);
    return row && toExchange(row);
  }

  async storedBodies(afterId: number, limit: number): Promise<StoredBodiesRow[]> {
    type Bodies = Pick<ExchangeRow, 'id' | 'request_body' | 'response_body'>;
    const rows = await this.db.rows<Bodies>(this.sql.storedBodies, [afterId, limit]);
    return rows.map((row) => ({ id: Number(row.id), requestBody: row.request_body, responseBody: row.response_body }));
  }

  /** One short transaction for the batch: each row rewritten only if unchanged since it was read. */
  rewriteBodies(rewrites: BodiesRewrite[]): Promise<number> {
    const rewrite = this.sql.rewriteBodies;
    return this.db.write(function* () {
      let count = 0;
      for (const r of rewrites) {
        count += yield* countOf(rewrite, [r.requestBody, r.responseBody, r.id, r.old.requestBody, r.old.responseBody]);
      }
      return count;
    });
  }
}
