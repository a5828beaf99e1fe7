import type {
  AuthorizationCode,
  NewAuthorizationCode,
  NewRefreshToken,
  OAuthClient,
  OAuthClientChange,
  RefreshToken,
} from '../oauth-grant-records.js';
import {
  toAuthorizationCode,
  toOAuthClient,
  toRefreshToken,
  type AuthorizationCodeRow,
  type OAuthClientRow,
  type RefreshTokenRow,
} from '../oauth-grant-rows.js';
import type { GrantStore, IntegrationKey, NewConsoleSession } from '../store.js';
import { scopesText } from '../token-rows.js';
import type { PostgresAccess } from './postgres-channel-store.js';
import { oauthGrantSql as sql } from './oauth-grant-queries.js';
import { sessionSql } from './session-queries.js';

/** The store's query runner, with the row count of a statement. */
export interface GrantAccess extends PostgresAccess {
  /** One statement on any pooled connection: how many rows it changed. */
  result(text: string, values: unknown[]): Promise<number>;
}

/** OAuth codes, refresh tokens, OAuth clients' settings and console sessions on PostgreSQL. */
export class PostgresGrantStore implements GrantStore {
  constructor(private readonly db: GrantAccess) {}

  async listOAuthClients(accountId: number): Promise<OAuthClient[]> {
    return (await this.db.rows<OAuthClientRow>(sql.oauthClientsOfAccount, [accountId])).map(toOAuthClient);
  }

  async findOAuthClient(accountId: number, id: number): Promise<OAuthClient | undefined> {
    const [row] = await this.db.rows<OAuthClientRow>(sql.oauthClientById, [accountId, id]);
    return row && toOAuthClient(row);
  }

  async updateOAuthClient(accountId: number, id: number, change: OAuthClientChange): Promise<OAuthClient | undefined> {
    const [row] = await this.db.rows<OAuthClientRow>(sql.updateOAuthClient, [
      change.description ?? null,
      change.redirectUris === undefined ? null : JSON.stringify(change.redirectUris),
      change.nowSeconds,
      accountId,
      id,
    ]);
    return row && toOAuthClient(row);
  }

  async createAuthorizationCode(input: NewAuthorizationCode): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query(sql.deleteExpiredCodes, [input.createdAt]);
      await client.query(sql.insertCode, [
        input.codeHash,
        input.accountId,
        input.integration,
        scopesText(input.scopes),
        input.redirectUri,
        input.codeChallenge,
        input.adminEmail,
        input.createdAt,
        input.expiresAt,
      ]);
    });
  }

  async takeAuthorizationCode(codeHash: string, client: IntegrationKey): Promise<AuthorizationCode | undefined> {
    const [row] = await this.db.rows<AuthorizationCodeRow>(sql.takeCode, [
      codeHash,
      client.accountId,
      client.integration,
    ]);
    return row && toAuthorizationCode(row);
  }

  async createRefreshToken(input: NewRefreshToken): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query(sql.deleteExpiredRefreshTokens, [input.createdAt]);
      await client.query(sql.deleteExpiredAccessTokens, [input.createdAt]);
      await client.query(sql.insertRefreshToken, [
        input.tokenHash,
        input.accountId,
        input.integration,
        scopesText(input.scopes),
        input.publicClient,
        input.createdAt,
        input.expiresAt,
        input.accessTokenId,
      ]);
    });
  }

  async takeRefreshToken(tokenHash: string, client: IntegrationKey): Promise<RefreshToken | undefined> {
    const [row] = await this.db.rows<RefreshTokenRow>(sql.takeRefreshToken, [
      tokenHash,
      client.accountId,
      client.integration,
    ]);
    return row && toRefreshToken(row);
  }

  async createConsoleSession(input: NewConsoleSession): Promise<void> {
    await this.db.rows(sessionSql.insertConsoleSession, [
      input.idHash,
      input.accountId,
      input.nowSeconds,
      input.expiresAt,
    ]);
  }

  async consoleSessionActive(idHash: string, nowSeconds: number): Promise<boolean> {
    return (await this.db.rows(sessionSql.consoleSessionActive, [idHash, nowSeconds])).length > 0;
  }

  async deleteConsoleSession(idHash: string): Promise<boolean> {
    return (await this.db.result(sessionSql.deleteConsoleSession, [idHash])) > 0;
  }

  async pruneConsoleSessions(nowSeconds: number, limit: number): Promise<number> {
    return this.db.result(sessionSql.pruneConsoleSessions, [nowSeconds, limit]);
  }
}
