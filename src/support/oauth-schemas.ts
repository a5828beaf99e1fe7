import { tokenScopes } from '../store/store.js';
import { cursorId } from '../http/id-schemas.js';
import { nullableTimestamp, supportErrorResponses, timestamp } from '../http/response-schemas.js';

/**
 * Route schemas of the Support API's OAuth tokens and clients. Errors use the Support API's
 * `{"error", "description"}` (the error mapper picks it for `/api/v2/`); the schemas say so,
 * for the OpenAPI document and so that the serialiser keeps those fields.
 */
// Admin basic auth on every route here: 401, 429 (failed authentications) and 503 apply to all.
const errors = (...statuses: number[]) => supportErrorResponses(...statuses, 401, 429, 503);

const admin: { [scheme: string]: string[] }[] = [{ adminBasicAuth: [] }];
const tags = ['Support API: OAuth'];

const token = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    url: { type: 'string', examples: ['http://127.0.0.1:3000/api/v2/oauth/tokens/2.json'] },
    client_id: { type: 'integer', description: "The OAuth client's id: zendesk_oauth_client.id of the integration." },
    token: {
      type: ['string', 'null'],
      description: 'The first 10 characters of the token, then "...". Null for tokens issued before they were kept.',
    },
    full_token: { type: 'string', description: 'The whole token: only in the answer that creates it.' },
    scopes: { type: 'array', items: { type: 'string', enum: [...tokenScopes] } },
    created_at: timestamp,
    expires_at: {
      ...nullableTimestamp,
      description: 'When the token stops working: tokens from the authorization-code and refresh grants; null: never.',
    },
    used_at: {
      ...nullableTimestamp,
      description: 'When the token was last used, to within an hour; null if never.',
    },
  },
} as const;

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', description: 'The id, optionally followed by ".json".' } },
} as const;

export const createTokenSchema = {
  summary: 'Create Token',
  description:
    "Issues a ZIS access token for an OAuth client of the account (the vendor's ZIS guide's way). " +
    'Read token.full_token: it is shown only here. scopes: "read" (GET) and/or "write" (every other method).',
  tags,
  security: admin,
  body: {
    type: 'object',
    required: ['token'],
    properties: {
      token: {
        type: 'object',
        required: ['client_id', 'scopes'],
        properties: {
          client_id: {
            type: ['integer', 'string'],
            description: "zendesk_oauth_client.id from the integration's registration.",
          },
          scopes: { type: 'array', items: { type: 'string' }, description: '["read", "write"], or one of them.' },
        },
      },
    },
  },
  response: {
    201: { description: 'Created; full_token is shown only here.', type: 'object', properties: { token } },
    ...errors(400, 401, 403, 404, 413, 422),
  },
};

export const listTokensSchema = {
  summary: 'List Tokens',
  description: "The account's tokens, by ascending id, in cursor pages; never the tokens themselves.",
  tags,
  security: admin,
  querystring: {
    type: 'object',
    properties: {
      'page[size]': { type: 'integer', minimum: 1, maximum: 100, default: 100 },
      'page[after]': { ...cursorId, description: 'meta.after_cursor of the previous page.' },
    },
  },
  response: {
    200: {
      description: 'A page of tokens.',
      type: 'object',
      properties: {
        tokens: { type: 'array', items: token },
        meta: {
          type: 'object',
          properties: { has_more: { type: 'boolean' }, after_cursor: { type: ['string', 'null'] } },
        },
        links: { type: 'object', properties: { next: { type: ['string', 'null'] } } },
      },
    },
    ...errors(400, 401, 403),
  },
};

export const showTokenSchema = {
  summary: 'Show Token',
  tags,
  security: admin,
  params: idParams,
  response: {
    200: { description: 'The token (its first 10 characters).', type: 'object', properties: { token } },
    ...errors(401, 403, 404),
  },
};

export const revokeTokenSchema = {
  summary: 'Revoke Token',
  description: 'The token stops authenticating at once on this node, and within SWITCHBOARD_AUTH_CACHE_MS on others.',
  tags,
  security: admin,
  params: idParams,
  response: { 204: { type: 'null', description: 'Revoked' }, ...errors(401, 403, 404) },
};

export const generateSecretSchema = {
  summary: 'Generate Secret',
  description:
    "Gives an integration's OAuth client a new secret, shown only here. The old secret stops working for the " +
    'client_credentials grant at once; tokens already issued stay valid.',
  tags,
  security: admin,
  params: idParams,
  response: {
    200: {
      description: 'The client with its new secret, shown only here.',
      type: 'object',
      properties: {
        client: {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            name: { type: 'string' },
            identifier: { type: 'string' },
            secret: { type: 'string' },
            created_at: timestamp,
          },
        },
      },
    },
    ...errors(401, 403, 404),
  },
};
