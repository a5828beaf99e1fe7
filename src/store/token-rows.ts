import { tokenScopes, type AccessToken, type AccessTokenDetails, type TokenScope } from './store.js';

// Access tokens as both stores return them, and their records. Scopes are kept as one
// space-separated text column ("read write"), as OAuth writes a scope list.

export type AccessTokenRow = {
  id: number;
  account_id: number;
  integration: string;
  scopes: string;
  created_at: number;
  used_at: number | null;
  expires_at: number | null;
};

export type AccessTokenDetailsRow = AccessTokenRow & { client_id: number; token_prefix: string | null };

/** Scopes as stored: known ones only, each once, in a fixed order; read and write when omitted. */
export function scopesText(scopes: readonly TokenScope[] | undefined): string {
  const wanted = new Set(scopes ?? tokenScopes);
  return tokenScopes.filter((scope) => wanted.has(scope)).join(' ');
}

export function scopesOf(text: string): TokenScope[] {
  const stored = new Set(text.split(' '));
  return tokenScopes.filter((scope) => stored.has(scope));
}

export const toAccessToken = (row: AccessTokenRow): AccessToken => ({
  id: row.id,
  scopes: scopesOf(row.scopes),
  usedAt: row.used_at,
  expiresAt: row.expires_at,
  accountId: row.account_id,
  integration: row.integration,
  createdAt: row.created_at,
});

export const toAccessTokenDetails = (row: AccessTokenDetailsRow): AccessTokenDetails => ({
  ...toAccessToken(row),
  clientId: row.client_id,
  tokenPrefix: row.token_prefix,
});
