import type { FastifyInstance, FastifyRequest } from 'fastify';
import { epochSeconds, type Clock } from '../../clock.js';
import type { Principal } from '../../http/authenticate.js';
import { Conflict, NotFound, UnprocessableEntity } from '../../http/errors.js';
import { emptyBody, errorResponses } from '../../http/response-schemas.js';
import type { SubStores } from '../../store/store.js';
import { connectionTypes, type ConnectionType } from '../../store/zis-registry-store.js';
import { readEveryBodyAsJson } from '../configs/json-whatever-content-type.js';
import { integrationNamePattern } from '../names.js';
import {
  connectionBodySchema,
  connectionJson,
  connectionKinds,
  connectionNamePattern,
  connectionSchema,
} from './connection-kinds.js';
import { zisTokenKey } from './zis-token.js';

export interface ConnectionRoutesOptions {
  store: Pick<SubStores, 'zisRegistry'>;
  clock: Clock;
  principalOf: (request: FastifyRequest) => Principal;
}

const base = '/api/services/zis/integrations/:integration/connections';
const security = [{ bearerAuth: [] }];
const tags = ['ZIS Connections'];
const tokenErrors = (...statuses: number[]) => errorResponses(...new Set([401, 403, 429, 503, ...statuses]));

interface Params {
  integration: string;
  name: string;
}
type Body = Record<string, string | undefined>;

const params = (withName: boolean) => ({
  type: 'object',
  required: withName ? ['integration', 'name'] : ['integration'],
  properties: {
    integration: { type: 'string', pattern: integrationNamePattern },
    ...(withName ? { name: { type: 'string', pattern: connectionNamePattern } } : {}),
  },
});

/** No string field may hold U+0000 (PostgreSQL text cannot): 422 naming it, before anything is stored. */
export function refuseNul(body: Record<string, unknown>): void {
  for (const [field, value] of Object.entries(body)) {
    if (typeof value === 'string' && value.includes('\u0000')) {
      throw UnprocessableEntity(`Body field "${field}" must not contain the NUL character (U+0000).`);
    }
  }
}

/**
 * The vendor's bearer-token, basic-auth and API-key connections
 * (`…/integrations/{integration}/connections/{type}`): create, show, update, delete, and
 * `…/connections/all`. They take a ZIS OAuth token of the integration. Secrets are stored
 * encrypted and never returned ("*****"); no flow uses them.
 */
export async function connectionRoutes(app: FastifyInstance, options: ConnectionRoutesOptions): Promise<void> {
  const { store, clock } = options;
  readEveryBodyAsJson(app);
  const keyOf = (request: FastifyRequest<{ Params: { integration: string } }>, what: string) =>
    zisTokenKey(options.principalOf(request), request.params.integration, request.method, what);

  for (const type of connectionTypes) {
    const kind = connectionKinds[type];
    const answer = { type: 'object', properties: { [type]: connectionSchema(type) } };
    const notFound = (request: FastifyRequest<{ Params: Params }>) =>
      NotFound(`No ${kind.title} connection "${request.params.name}" on integration "${request.params.integration}".`);

    app.post<{ Params: Omit<Params, 'name'>; Body: Body }>(
      `${base}/${type}`,
      {
        schema: {
          summary: `Create a ${kind.title} connection`,
          description: `A ZIS OAuth token of the integration. The ${kind.secret} is stored encrypted and never returned.`,
          tags,
          security,
          params: params(false),
          body: connectionBodySchema(type, true),
          response: { 201: { ...answer, description: 'Created.' }, ...tokenErrors(400, 409, 422) },
        },
      },
      async function createConnection(request, reply) {
        const key = keyOf(request, `Creating a ${kind.title} connection`);
        refuseNul(request.body);
        const body = request.body;
        const created = await store.zisRegistry.createConnection({
          ...key,
          connectionType: type,
          name: body.name!,
          allowedDomain: body.allowed_domain!,
          label: kind.label ? body[kind.label]! : null,
          secret: body[kind.secret]!,
          nowSeconds: epochSeconds(clock),
        });
        if (created === 'exists') {
          throw Conflict(
            `Integration "${key.integration}" already has a connection named "${body.name}". ` +
              'Connection names are unique per integration: choose another name, or update that connection.',
          );
        }
        return reply.code(201).send({ [type]: connectionJson(created) });
      },
    );

    app.get<{ Params: Params }>(
      `${base}/${type}/:name`,
      {
        schema: {
          summary: `Show a ${kind.title} connection`,
          tags,
          security,
          params: params(true),
          response: {
            200: { ...answer, description: `The connection, its ${kind.secret} redacted.` },
            ...tokenErrors(400, 404),
          },
        },
      },
      async function showConnection(request, reply) {
        const key = keyOf(request, `Reading a ${kind.title} connection`);
        const found = await store.zisRegistry.getConnection(key, type, request.params.name);
        if (!found) throw notFound(request);
        return reply.send({ [type]: connectionJson(found) });
      },
    );

    app.patch<{ Params: Params; Body: Body }>(
      `${base}/${type}/:name`,
      {
        schema: {
          summary: `Update a ${kind.title} connection`,
          description: `Changes the fields given (${[kind.label, kind.secret, 'allowed_domain'].filter(Boolean).join(', ')}); the name stays.`,
          tags,
          security,
          params: params(true),
          body: connectionBodySchema(type, false),
          response: { 200: { ...answer, description: 'Updated.' }, ...tokenErrors(400, 404, 422) },
        },
      },
      async function updateConnection(request, reply) {
        const key = keyOf(request, `Updating a ${kind.title} connection`);
        const body = request.body;
        refuseNul(body);
        if (body.name !== undefined && body.name !== request.params.name) {
          throw UnprocessableEntity('A connection cannot be renamed: leave out "name", or create a new connection.');
        }
        const updated = await store.zisRegistry.updateConnection(key, type, request.params.name, {
          allowedDomain: body.allowed_domain,
          label: kind.label ? body[kind.label] : undefined,
          secret: body[kind.secret],
          nowSeconds: epochSeconds(clock),
        });
        if (!updated) throw notFound(request);
        return reply.send({ [type]: connectionJson(updated) });
      },
    );

    app.delete<{ Params: Params }>(
      `${base}/${type}/:name`,
      {
        schema: {
          summary: `Delete a ${kind.title} connection`,
          tags,
          security,
          params: params(true),
          response: { 204: emptyBody('Deleted.'), ...tokenErrors(400, 404) },
        },
      },
      async function deleteConnection(request, reply) {
        const key = keyOf(request, `Deleting a ${kind.title} connection`);
        if (!(await store.zisRegistry.deleteConnection(key, type, request.params.name))) throw notFound(request);
        return reply.code(204).send();
      },
    );
  }

  app.get<{ Params: { integration: string } }>(
    `${base}/all`,
    {
      schema: {
        summary: 'Show connections',
        description:
          "The integration's connections of every type (OAuth connections: always none, no flow makes them).",
        tags,
        security,
        params: params(false),
        response: {
          200: {
            description: 'The connections by type, secrets redacted.',
            type: 'object',
            properties: {
              ...Object.fromEntries(
                connectionTypes.map((type) => [type, { type: 'array', items: connectionSchema(type) }]),
              ),
              oauth: { type: 'array', items: { type: 'object' } },
              meta: {
                type: 'object',
                properties: { has_more: { type: 'boolean' }, after: { type: 'null' }, before: { type: 'null' } },
              },
            },
          },
          ...tokenErrors(400),
        },
      },
    },
    async function listConnections(request, reply) {
      const key = keyOf(request, 'Listing connections');
      const all = await store.zisRegistry.listConnections(key);
      const byType = (type: ConnectionType) => all.filter((c) => c.connectionType === type).map(connectionJson);
      return reply.send({
        api_key: byType('api_key'),
        basic_auth: byType('basic_auth'),
        bearer_token: byType('bearer_token'),
        oauth: [],
        meta: { has_more: false, after: null, before: null },
      });
    },
  );
}
