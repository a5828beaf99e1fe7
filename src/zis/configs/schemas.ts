import { integrationNamePattern, maxScopeLength } from '../names.js';
import { cursorId } from '../../http/id-schemas.js';
import { errorEnvelope, errorResponses, timestamp } from '../../http/response-schemas.js';

/**
 * Route schemas: fastify validates params, query strings and body shapes with them, and the
 * OpenAPI document at `/openapi.json` is generated from them. Rules that need a sentence to
 * explain (scope characters, `config` vs `Config`, sizes) are checked in the handlers.
 */
/** A config as the vendor's JSON shows it; the history's restore answers the same shape. */
export const config = {
  type: 'object',
  properties: {
    config: {
      type: 'object',
      additionalProperties: true,
      description: 'The config JSON object',
      examples: [{ enable_comment_sync: true }],
    },
    created_at: timestamp,
    id: { type: 'integer' },
    integration: { type: 'string' },
    scope: { type: 'string' },
    updated_at: timestamp,
    zendesk_account_id: { type: 'integer' },
  },
} as const;

const etag = { etag: { type: 'string', description: 'Strong ETag "{id}-{version}", for If-Match and If-None-Match.' } };
const singleConfig = { type: 'object', properties: { config }, headers: etag } as const;

const integrationParam = {
  type: 'string',
  pattern: integrationNamePattern,
  description: 'Name of the integration.',
} as const;

const integrationParams = {
  type: 'object',
  required: ['integration'],
  properties: { integration: integrationParam },
} as const;

const scopeParams = {
  type: 'object',
  required: ['integration', 'scope'],
  properties: {
    integration: integrationParam,
    scope: {
      type: 'string',
      maxLength: maxScopeLength,
      description: 'Scope of the config; URL-encode special characters ("foo/bar" as "foo%2Fbar").',
    },
  },
} as const;

const configBody = (description: string) =>
  ({
    type: 'object',
    description: `${description} Read as JSON whatever the Content-Type says (form-typed JSON too).`,
    properties: {
      config: { type: 'object', additionalProperties: true },
      Config: { type: 'object', additionalProperties: true, description: 'Accepted spelling of "config".' },
      scope: { type: 'string' },
    },
  }) as const;

const bearer: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { adminBasicAuth: [] }];
// Every route here takes credentials: 401, 429 (failed authentications) and 503 apply to all.
const errors = (...statuses: number[]) => errorResponses(...statuses, 401, 429, 503);

export const listConfigsSchema = {
  summary: 'Show Configuration',
  description:
    'Configs whose scope matches filter[scope] ("*" matches any run of characters), by ascending id, in cursor ' +
    'pages. A page with no config answers 404.',
  tags: ['ZIS Configurations'],
  security: bearer,
  params: integrationParams,
  querystring: {
    type: 'object',
    required: ['filter[scope]'],
    properties: {
      'filter[scope]': { type: 'string', description: 'Scope, with "*" as a wildcard.' },
      'page[after]': { ...cursorId, description: 'The id of the last config of the previous page.' },
      'page[size]': { type: 'integer', minimum: 1, maximum: 100, default: 100, description: 'Configs per page.' },
    },
  },
  response: {
    200: {
      description: 'A page of configs.',
      type: 'object',
      properties: {
        configs: { type: 'array', items: config },
        links: { type: 'object', properties: { next: { type: 'string' } } },
        meta: { type: 'object', properties: { has_more: { type: 'boolean' } } },
        next: { type: ['string', 'null'] },
      },
    },
    ...errors(400, 401, 403),
    404: {
      description:
        'No config matches filter[scope] (after page[after], for a page past the end): the vendor answers an ' +
        'empty list with 404, never 200 with "configs": [].',
      ...errorEnvelope,
    },
  },
};

export const getConfigSchema = {
  summary: 'Show one configuration (Switchboard extension)',
  tags: ['ZIS Configurations'],
  security: bearer,
  params: scopeParams,
  response: {
    200: { ...singleConfig, description: 'The config, with its ETag.' },
    304: { type: 'null', description: 'If-None-Match named the current ETag: not modified, no body.' },
    ...errors(400, 401, 403, 404),
  },
};

export const createConfigSchema = {
  summary: 'Create Configuration',
  tags: ['ZIS Configurations'],
  security: bearer,
  params: integrationParams,
  body: configBody('{"config": {...}, "scope": "..."}'),
  response: { 201: { ...singleConfig, description: 'Created, with its ETag.' }, ...errors(400, 401, 403, 413, 422) },
};

export const replaceConfigSchema = {
  summary: 'Update Configuration',
  description: 'Replaces the whole config. Honours If-Match (412 on mismatch).',
  tags: ['ZIS Configurations'],
  security: bearer,
  params: scopeParams,
  body: configBody('{"config": {...}}'),
  response: {
    200: { ...singleConfig, description: 'The stored config, with its new ETag.' },
    ...errors(400, 401, 403, 404, 412, 413, 422),
  },
};

export const mergeConfigSchema = {
  summary: 'Merge Configuration',
  description: 'JSON Merge Patch (RFC 7396): objects merge, null removes a key. Honours If-Match (412 on mismatch).',
  tags: ['ZIS Configurations'],
  security: bearer,
  params: scopeParams,
  body: configBody('{"config": {...}}'),
  response: {
    200: { ...singleConfig, description: 'The stored config, with its new ETag.' },
    ...errors(400, 401, 403, 404, 412, 413, 422),
  },
};

export const deleteConfigSchema = {
  summary: 'Delete Configuration',
  tags: ['ZIS Configurations'],
  security: bearer,
  params: scopeParams,
  response: { 204: { type: 'null', description: 'Deleted' }, ...errors(400, 401, 403, 404, 412) },
};
