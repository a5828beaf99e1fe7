import type { Account, ConfigRecord, Integration } from './store.js';

// Rows as both stores return them (snake_case; PostgreSQL's int8 parsed as numbers by the
// store's pool), and their records.

export type ConfigRow = {
  id: number;
  account_id: number;
  integration: string;
  scope: string;
  config: string;
  version: number;
  created_at: number;
  updated_at: number;
};

export type IntegrationRow = {
  id: number;
  account_id: number;
  name: string;
  client_identifier: string;
  client_secret_hash: string;
  created_at: number;
};

/** `doctor`: 0/1 on SQLite, a boolean on PostgreSQL (migration 0022). */
export type AccountRow = { id: number; subdomain: string; created_at: number; doctor?: number | boolean };

export const toConfig = (row: ConfigRow): ConfigRecord => ({
  id: row.id,
  accountId: row.account_id,
  integration: row.integration,
  scope: row.scope,
  configJson: row.config,
  version: row.version,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const toIntegration = (row: IntegrationRow): Integration => ({
  id: row.id,
  accountId: row.account_id,
  name: row.name,
  clientIdentifier: row.client_identifier,
  clientSecretHash: row.client_secret_hash,
  createdAt: row.created_at,
});

export const toAccount = (row: AccountRow): Account => ({
  id: row.id,
  subdomain: row.subdomain,
  createdAt: row.created_at,
  ...(row.doctor ? { doctor: true as const } : {}),
});
