import { toExchange, toExchangeSummary, type ExchangeRow, type ExchangeSummaryRow } from '../exchange-rows.js';
import type {
  BodiesRewrite,
  ExchangeRecord,
  ExchangeScope,
  ExchangeStorage,
  ExchangeSummary,
  NewExchange,
  StoredBodiesRow,
} from '../exchange-store.js';
import { exchangeSql as sql } from './exchange-queries.js';
import type { PostgresAccess } from './postgres-channel-store.js';

/** The inspector's ring on PostgreSQL: one statement per call (the insert and its ring's prune are one). */
export class PostgresExchanges implements ExchangeStorage {
  constructor(private readonly db: PostgresAccess) {}

  async recordExchange(e: NewExchange, keep: number): Promise<number | undefined> {
    const text = e.instanceId !== null ? sql.recordInstanceExchange : sql.recordIntegrationExchange;
    const [row] = await this.db.rows<{ id: number }>(text, [
      e.accountId,
      e.integrationId,
      e.instanceId,
      e.kind,
      e.method,
      e.url,
      e.startedAt,
      e.durationMs,
      e.httpStatus,
      e.outcome,
      e.error,
      e.findingsJson,
      e.requestBody,
      e.requestBytes,
      e.responseBody,
      e.responseBytes,
      keep,
    ]);
    return row === undefined ? undefined : Number(row.id);
  }

  async listExchanges(scope: ExchangeScope, page: { beforeId?: number; limit: number }): Promise<ExchangeSummary[]> {
    const rows = await this.db.rows<ExchangeSummaryRow>(sql.listExchanges, [
      scope.accountId,
      scope.instanceId,
      scope.integrationId,
      page.beforeId ?? Number.MAX_SAFE_INTEGER,
      page.limit,
    ]);
    return rows.map(toExchangeSummary);
  }

  async getExchange(scope: ExchangeScope, id: number): Promise<ExchangeRecord | undefined> {
    const [row] = await this.db.rows<ExchangeRow>(sql.getExchange, [
      scope.accountId,
      scope.instanceId,
      scope.integrationId,
      id,
    ]);
    return row && toExchange(row);
  }

  async storedBodies(afterId: number, limit: number): Promise<StoredBodiesRow[]> {
    const rows = await this.db.rows<Pick<ExchangeRow, 'id' | 'request_body' | 'response_body'>>(sql.storedBodies, [
      afterId,
      limit,
    ]);
    return rows.map((row) => ({ id: Number(row.id), requestBody: row.request_body, responseBody: row.response_body }));
  }

  /** One short transaction for the batch: each row rewritten only if unchanged since it was read. */
  rewriteBodies(rewrites: BodiesRewrite[]): Promise<number> {
    return this.db.transaction(async (client) => {
      let count = 0;
      for (const r of rewrites) {
        const values = [r.requestBody, r.responseBody, r.id, r.old.requestBody, r.old.responseBody];
        count += (await client.query(sql.rewriteBodies, values)).rowCount ?? 0;
      }
      return count;
    });
  }
}
