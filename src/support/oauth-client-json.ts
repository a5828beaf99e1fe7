import { formatTimestamp } from '../clock.js';
import { timestamp } from '../http/response-schemas.js';
import type { OAuthClient } from '../store/store.js';

/**
 * An OAuth client as the vendor's `/api/v2/oauth/clients` shows it. Every client is an
 * integration's, made by its registration: `name` is the integration's name, `kind` is
 * `confidential`, and the secret is never shown here (only by registration and
 * `generate_secret`). No logo, company or creating user is kept: those are null.
 */
export function oauthClientJson(client: OAuthClient, baseUrl: string) {
  const { integration } = client;
  return {
    id: integration.id,
    url: `${baseUrl}/api/v2/oauth/clients/${integration.id}.json`,
    name: integration.name,
    identifier: integration.clientIdentifier,
    description: client.description,
    company: null,
    redirect_uri: [...client.redirectUris],
    kind: 'confidential',
    global: false,
    logo_url: null,
    user_id: null,
    created_at: formatTimestamp(integration.createdAt),
    updated_at: formatTimestamp(client.updatedAt),
  };
}

export const oauthClientSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    url: { type: 'string' },
    name: { type: 'string', description: "The integration's name." },
    identifier: { type: 'string', examples: ['zis_my_zis_app_1'] },
    description: { type: 'string' },
    company: { type: 'null' },
    redirect_uri: {
      type: 'array',
      items: { type: 'string' },
      description: 'Where the authorization-code grant may send its code.',
    },
    kind: { type: 'string', enum: ['confidential'] },
    global: { type: 'boolean' },
    logo_url: { type: 'null' },
    user_id: { type: 'null' },
    created_at: timestamp,
    updated_at: timestamp,
  },
} as const;
