import type Database from 'better-sqlite3';
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
import type { WriteQueue } from './group-commit.js';
import { exchangeSql as sql } from './exchange-queries.js';

/** The inspector's ring on the embedded SQLite store: reads on this connection, writes through group commit. */
export class SqliteExchanges implements ExchangeStorage {
  private statements: Map<string, Database.Statement> = new Map();

  constructor(
    private readonly db: Database.Database,
    private readonly writes: WriteQueue,
  ) {}

  /** Prepared on first use: the table exists only once the store is migrated. */
  private q(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** The insert and the prune share the write's savepoint in the group commit: one transaction. */
  recordExchange(exchange: NewExchange, keep: number): Promise<number | undefined> {
    return this.writes.enqueue(() => {
      const inserted = this.q(sql.insertExchange).get(exchange) as { id: number } | undefined;
      if (!inserted) return undefined;
      if (exchange.instanceId !== null) this.q(sql.pruneInstanceRing).run({ instanceId: exchange.instanceId, keep });
      else this.q(sql.pruneIntegrationRing).run({ integrationId: exchange.integrationId, keep });
      return inserted.id;
    });
  }

  async listExchanges(scope: ExchangeScope, page: { beforeId?: number; limit: number }): Promise<ExchangeSummary[]> {
    const rows = this.q(sql.listExchanges).all({
      ...scope,
      beforeId: page.beforeId ?? Number.MAX_SAFE_INTEGER,
      limit: page.limit,
    });
    return (rows as ExchangeSummaryRow[]).map(toExchangeSummary);
  }

  async getExchange(scope: ExchangeScope, id: number): Promise<ExchangeRecord | undefined> {
    const row = this.q(sql.getExchange).get({ ...scope, id }) as ExchangeRow | undefined;
    return row && toExchange(row);
  }

  async storedBodies(afterId: number, limit: number): Promise<StoredBodiesRow[]> {
    const rows = this.q(sql.storedBodies).all(afterId, limit) as Pick<
      ExchangeRow,
      'id' | 'request_body' | 'response_body'
    >[];
    return rows.map((row) => ({ id: row.id, requestBody: row.request_body, responseBody: row.response_body }));
  }

  rewriteBodies(rewrites: BodiesRewrite[]): Promise<number> {
    return this.writes.enqueue(() => {
      let count = 0;
      for (const r of rewrites) {
        count += this.q(sql.rewriteBodies).run(
          r.requestBody,
          r.responseBody,
          r.id,
          r.old.requestBody,
          r.old.responseBody,
        ).changes;
      }
      return count;
    });
  }
}
