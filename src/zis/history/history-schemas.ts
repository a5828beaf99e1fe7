import { integrationNamePattern, maxScopeLength } from '../names.js';
import { cursorId, positiveId } from '../../http/id-schemas.js';
import { errorResponses, timestamp } from '../../http/response-schemas.js';
import { config } from '../configs/schemas.js';

// Route schemas of the config history API: fastify validates with them, and /openapi.json
// documents every response from them.

// Every route here takes credentials: 401, 429 (failed authentications) and 503 apply to all.
const errors = (...statuses: number[]) => errorResponses(...statuses, 401, 429, 503);

const security: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { adminBasicAuth: [] }];

/** A change as the history and the change feed both show it (the feed leaves out the actor). */
export const changeProperties = {
  revision: { type: 'integer', description: 'Per account: increasing, never reused.' },
  integration: { type: 'string' },
  scope: { type: 'string' },
  operation: { type: 'string', enum: ['create', 'replace', 'merge', 'delete', 'restore'] },
  config: {
    type: ['object', 'null'],
    additionalProperties: true,
    description: 'The config after the change; null for a delete.',
  },
  etag: {
    type: 'string',
    description: "The config's ETag after the change (for a delete, the deleted config's), quotes included.",
  },
  changed_at: timestamp,
} as const;

const revision = {
  type: 'object',
  properties: {
    ...changeProperties,
    actor: {
      type: 'object',
      properties: {
        type: { type: 'string', enum: ['token', 'admin', 'console', 'cli'] },
        id: { type: 'string', description: "The bearer token's id, or the admin's or console user's email." },
        request_id: { type: ['string', 'null'], description: 'The id of the request that made the change.' },
      },
    },
  },
} as const;

const etag = { etag: { type: 'string', description: 'The config\'s new strong ETag "{id}-{version}", for If-Match.' } };

const scopeParams = {
  type: 'object',
  required: ['integration', 'scope'],
  properties: {
    integration: { type: 'string', pattern: integrationNamePattern, description: 'Name of the integration.' },
    scope: {
      type: 'string',
      maxLength: maxScopeLength,
      description: 'Scope of the config; URL-encode special characters ("foo/bar" as "foo%2Fbar").',
    },
  },
} as const;

export const listRevisionsSchema = {
  summary: "List a config's revisions",
  description:
    "Every recorded change of the scope's config, newest first, in cursor pages. A scope that never had a " +
    'revision answers 404. Revisions older than the retention may be gone, except the last ones of each scope.',
  tags: ['Config history'],
  security,
  params: scopeParams,
  querystring: {
    type: 'object',
    properties: {
      'page[after]': { ...cursorId, description: 'The last revision number of the previous page.' },
      'page[size]': { type: 'integer', minimum: 1, maximum: 100, default: 100, description: 'Revisions per page.' },
    },
  },
  response: {
    200: {
      description: 'A page of revisions, newest first.',
      type: 'object',
      properties: {
        revisions: { type: 'array', items: revision },
        links: {
          type: 'object',
          properties: { next: { type: ['string', 'null'], description: 'The next page, or null on the last.' } },
        },
        meta: { type: 'object', properties: { has_more: { type: 'boolean' } } },
      },
    },
    ...errors(400, 401, 403, 404),
  },
};

export const getRevisionSchema = {
  summary: 'Show one revision of a config',
  tags: ['Config history'],
  security,
  params: {
    ...scopeParams,
    required: ['integration', 'scope', 'revision'],
    properties: { ...scopeParams.properties, revision: { ...positiveId, description: 'The revision number.' } },
  },
  response: {
    200: { description: 'The revision.', type: 'object', properties: { revision } },
    ...errors(400, 401, 403, 404),
  },
};

export const restoreSchema = {
  summary: 'Restore a config to a revision',
  description:
    'Writes the revision\'s config as a new change (operation "restore"). Honours If-Match (412 on mismatch, or ' +
    'when the config no longer exists). Restoring a delete revision is refused (422); restoring an earlier ' +
    'revision of a deleted config recreates it, with a new id and the next version (201).',
  tags: ['Config history'],
  security,
  params: scopeParams,
  body: {
    type: 'object',
    required: ['revision'],
    properties: { revision: { ...positiveId, description: 'The revision to restore.' } },
  },
  response: {
    200: {
      description: "The config, overwritten with the revision's",
      type: 'object',
      properties: { config },
      headers: etag,
    },
    201: {
      description: 'The config, recreated from the revision',
      type: 'object',
      properties: { config },
      headers: etag,
    },
    ...errors(400, 401, 403, 404, 412, 413, 422),
  },
};
