import { formatTimestamp } from '../clock.js';
import type { AccessTokenDetails, Integration } from '../store/store.js';

/**
 * The Support API's OAuth token, as the vendor writes it: `token` is only the token's first
 * characters (the vendor shows 10), `full_token` the whole token and only in the answer
 * that creates it. `expires_at` is null for tokens that never expire (every grant's but the
 * authorization-code and refresh grants').
 */
export interface TokenJson {
  id: number;
  url: string;
  client_id: number;
  token: string | null;
  full_token?: string;
  scopes: string[];
  created_at: string;
  expires_at: string | null;
  used_at: string | null;
}

export function tokenJson(token: AccessTokenDetails, baseUrl: string, fullToken?: string): TokenJson {
  return {
    id: token.id,
    url: `${baseUrl}/api/v2/oauth/tokens/${token.id}.json`,
    client_id: token.clientId,
    // Tokens issued before prefixes were kept show none.
    token: token.tokenPrefix === null ? null : `${token.tokenPrefix}...`,
    ...(fullToken === undefined ? {} : { full_token: fullToken }),
    scopes: [...token.scopes],
    created_at: formatTimestamp(token.createdAt),
    expires_at: token.expiresAt === null ? null : formatTimestamp(token.expiresAt),
    used_at: token.usedAt === null ? null : formatTimestamp(token.usedAt),
  };
}

/** An OAuth client (an integration's) with a secret that is shown only here. */
export function clientJson(integration: Integration, secret: string) {
  return {
    id: integration.id,
    name: integration.name,
    identifier: integration.clientIdentifier,
    secret,
    created_at: formatTimestamp(integration.createdAt),
  };
}
