import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { epochSeconds, type Clock } from '../../clock.js';
import type { Principal } from '../../http/authenticate.js';
import { NotFound } from '../../http/errors.js';
import { adminErrors, emptyBody } from '../../http/response-schemas.js';
import type { SubStores, TokenStore } from '../../store/store.js';
import { readEveryBodyAsJson } from '../configs/json-whatever-content-type.js';
import { integrationNamePattern } from '../names.js';
import { registryKeyOf } from './bundle-access.js';
import { bundleJson, bundleSchema, bundleVersionJson, bundleVersionSchema } from './bundle-json.js';
import { validateBundle, zisTemplateVersion } from './bundle-validation.js';

export interface BundleRoutesOptions {
  store: TokenStore & Pick<SubStores, 'zisRegistry'>;
  clock: Clock;
  principalOf: (request: FastifyRequest) => Principal;
}

interface IntegrationParams {
  integration: string;
}

const integrationParams = {
  type: 'object',
  required: ['integration'],
  properties: { integration: { type: 'string', pattern: integrationNamePattern } },
} as const;

const security: Record<string, string[]>[] = [{ adminBasicAuth: [] }, { bearerAuth: [] }];

/**
 * The vendor's bundle endpoints: `POST …/registry/{integration}/bundles` stores an upload
 * as the next version of its bundle (same name: updated in place, as the vendor does) and
 * `GET` lists the newest of each. Every version stays readable under
 * `/api/switchboard/v1/integrations/{integration}/bundles/{name}/versions`. Bundles are
 * validated and stored, never executed: Switchboard runs no flows.
 */
export async function bundleRoutes(app: FastifyInstance, options: BundleRoutesOptions): Promise<void> {
  const { store, clock } = options;
  // Scripts send `curl -d @bundle.json` with or without a JSON Content-Type.
  readEveryBodyAsJson(app);

  app.post<{ Params: IntegrationParams; Body: unknown }>(
    '/api/services/zis/registry/:integration/bundles',
    {
      schema: {
        summary: 'Upload or update a bundle',
        description:
          'Admin basic auth, an API token or a ZIS OAuth token of the integration. Validates the bundle ' +
          `(zis_template_version "${zisTemplateVersion}", name, resources of the types ZIS::Flow, ZIS::Action::Http ` +
          'and ZIS::JobSpec) and stores it as the next version of the bundle of that name. Never executed.',
        tags: ['ZIS Registry'],
        security,
        params: integrationParams,
        body: { type: 'object', additionalProperties: true },
        response: {
          200: emptyBody('Stored; the body is empty, as the vendor answers.'),
          ...adminErrors(400, 403, 404, 422),
        },
      },
    },
    async function uploadBundle(request, reply) {
      const key = await registryKeyOf(store, options.principalOf(request), request.params.integration, 'POST');
      const bundle = validateBundle(request.body, key.integration);
      await store.zisRegistry.saveBundle({
        ...key,
        name: bundle.name,
        uuid: randomUUID(),
        description: bundle.description,
        templateVersion: zisTemplateVersion,
        resourcesJson: JSON.stringify(bundle.resources),
        nowSeconds: epochSeconds(clock),
      });
      return reply.code(200).send();
    },
  );

  app.get<{ Params: IntegrationParams; Querystring: { 'page[after]'?: string; 'page[size]': number } }>(
    '/api/services/zis/registry/:integration/bundles',
    {
      schema: {
        summary: 'List bundles',
        description: 'The newest version of each bundle of the integration, by name (cursor pagination).',
        tags: ['ZIS Registry'],
        security,
        params: integrationParams,
        querystring: {
          type: 'object',
          properties: {
            'page[after]': { type: 'string', description: 'The name of the last bundle of the previous page.' },
            'page[size]': { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          },
        },
        response: {
          200: {
            description: 'The newest version of each bundle.',
            type: 'object',
            properties: {
              bundles: { type: 'array', items: bundleSchema },
              meta: {
                type: 'object',
                properties: {
                  has_more: { type: 'boolean' },
                  after: { type: ['string', 'null'] },
                  before: { type: ['string', 'null'] },
                },
              },
            },
          },
          ...adminErrors(400, 403, 404),
        },
      },
    },
    async function listBundles(request, reply) {
      const key = await registryKeyOf(store, options.principalOf(request), request.params.integration, 'GET');
      const size = request.query['page[size]'];
      const found = await store.zisRegistry.listLatestBundles(key, {
        afterName: request.query['page[after]'] ?? '',
        limit: size + 1,
      });
      const page = found.slice(0, size);
      const hasMore = found.length > size;
      return reply.send({
        bundles: page.map(bundleJson),
        meta: { has_more: hasMore, after: hasMore ? page.at(-1)!.name : null, before: null },
      });
    },
  );

  app.get<{ Params: IntegrationParams & { name: string } }>(
    '/api/switchboard/v1/integrations/:integration/bundles/:name/versions',
    {
      schema: {
        summary: "A bundle's versions",
        description:
          'Every stored upload of one bundle, newest first (Switchboard only; the vendor keeps only the newest).',
        tags: ['ZIS Registry'],
        security,
        params: {
          type: 'object',
          required: ['integration', 'name'],
          properties: { ...integrationParams.properties, name: { type: 'string', minLength: 1, maxLength: 255 } },
        },
        response: {
          200: {
            description: 'The versions, newest first.',
            type: 'object',
            properties: { versions: { type: 'array', items: bundleVersionSchema } },
          },
          ...adminErrors(400, 403, 404),
        },
      },
    },
    async function listBundleVersions(request, reply) {
      const key = await registryKeyOf(store, options.principalOf(request), request.params.integration, 'GET');
      const versions = await store.zisRegistry.listBundleVersions(key, request.params.name);
      if (versions.length === 0) {
        throw NotFound(`No bundle "${request.params.name}" was uploaded for integration "${key.integration}".`);
      }
      return reply.send({ versions: versions.map(bundleVersionJson) });
    },
  );
}
