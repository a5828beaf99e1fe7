import type { FastifyInstance, FastifyRequest } from 'fastify';
import { epochSeconds, type Clock } from '../../clock.js';
import { actorOf } from '../../http/actor.js';
import { accountIdOf, checkIntegrationAccess, checkTokenScope, type Principal } from '../../http/authenticate.js';
import { BadRequest, NotFound, PreconditionFailed, UnprocessableEntity } from '../../http/errors.js';
import type { ConfigStore, IntegrationKey, WriteOutcome } from '../../store/store.js';
import { scopeProblem } from '../names.js';
import { configOf, serialiseConfig, type ConfigBody } from './config-body.js';
import { configListBody, singleConfigBody } from './config-json.js';
import { etagOf, ifNoneMatchHits } from './etag.js';
import { listAnswerKey, type KeptAnswers } from './rendered-configs.js';
import { readEveryBodyAsJson } from './json-whatever-content-type.js';
import { parseScopeFilter } from './scope-filter.js';
import {
  createConfigSchema,
  deleteConfigSchema,
  getConfigSchema,
  listConfigsSchema,
  mergeConfigSchema,
  replaceConfigSchema,
} from './schemas.js';

export interface ConfigRoutesOptions {
  store: ConfigStore;
  clock: Clock;
  maxConfigBytes: number;
  /** Resolves the request's principal (authentication, Host check). */
  principalOf: (request: FastifyRequest) => Principal;
  /** Where absolute links (`links.next`) point: see `http/public-url.ts`. */
  publicUrlOf: (request: FastifyRequest) => string;
  /** Where list pages' answers are kept for the fast lane to answer again, while their account's epoch holds. */
  keptAnswers?: KeptAnswers;
}

const base = '/api/services/zis/integrations/:integration/configs';
const defaultPageSize = 100;

interface IntegrationParams {
  integration: string;
}
interface ScopeParams extends IntegrationParams {
  scope: string;
}
interface ListQuery {
  'filter[scope]': string;
  'page[after]'?: number;
  'page[size]'?: number;
}

/** The five documented ZIS Configurations endpoints, and GET of one config. */
export async function configRoutes(app: FastifyInstance, options: ConfigRoutesOptions): Promise<void> {
  const { store, clock, maxConfigBytes } = options;
  readEveryBodyAsJson(app);
  // Before the body is read: a read-only token's writes are refused whatever they carry.
  app.addHook('onRequest', async (request) => checkTokenScope(options.principalOf(request), request.method));

  const keyOf = (request: FastifyRequest<{ Params: IntegrationParams }>): IntegrationKey => {
    const principal = options.principalOf(request);
    checkIntegrationAccess(principal, request.params.integration);
    return { accountId: accountIdOf(principal), integration: request.params.integration };
  };

  const actor = (request: FastifyRequest) => actorOf(options.principalOf(request), request);

  const pathScope = (scope: string): string => {
    const problem = scopeProblem(scope);
    if (problem) throw BadRequest(`Invalid scope in the path: ${problem}.`);
    return scope;
  };

  // Checked by the store inside the write, against the current config.
  const ifMatch = (request: FastifyRequest) => {
    const header = request.headers['if-match'];
    return header === undefined ? undefined : { ifMatch: header };
  };

  const written = (outcome: WriteOutcome, scope: string) => {
    if (outcome.kind === 'not_found') throw NotFound(`No config with scope "${scope}" for this integration.`);
    if (outcome.kind === 'precondition_failed') throw PreconditionFailed();
    return outcome.config;
  };

  app.get<{ Params: IntegrationParams; Querystring: ListQuery }>(
    base,
    { schema: listConfigsSchema, preValidation: treatEmptyPageParamsAsAbsent },
    async function listConfigs(request, reply) {
      const key = keyOf(request);
      const filter = request.query['filter[scope]'];
      const parsed = parseScopeFilter(filter);
      if ('problem' in parsed) throw BadRequest(parsed.problem);
      const size = request.query['page[size]'] ?? defaultPageSize;
      const kept = request.hostNamedAccount ? undefined : options.keptAnswers;
      const epoch = kept?.readEpoch(key.accountId);
      const rows = await store.listConfigs(key, {
        pattern: parsed.pattern,
        afterId: request.query['page[after]'] ?? 0,
        limit: size + 1,
      });
      const page = rows.slice(0, size);
      // The vendor answers 404 for a list with nothing in it; clients read it as "no config yet".
      if (page.length === 0) throw NotFound(noConfigMatches(filter, request.query['page[after]']));
      const next =
        rows.length > size
          ? nextPageUrl(options.publicUrlOf(request), request, filter, page.at(-1)!.id, size)
          : undefined;
      const body = configListBody(page, next);
      if (kept !== undefined && epoch !== undefined) {
        // Kept only if no change was heard while the page was read.
        const answer = { integration: key.integration, etag: undefined, body, bytes: Buffer.byteLength(body) };
        kept.cache.set(key.accountId, listAnswerKey(request.raw), epoch, answer, kept.readEpoch(key.accountId));
      }
      return reply.type('application/json').send(body);
    },
  );

  app.get<{ Params: ScopeParams }>(
    `${base}/:scope`,
    { schema: getConfigSchema },
    async function getConfig(request, reply) {
      const key = keyOf(request);
      const scope = pathScope(request.params.scope);
      const config = await store.getConfig(key, scope);
      if (!config) throw NotFound(`No config with scope "${scope}" for this integration.`);
      const etag = etagOf(config);
      reply.header('etag', etag);
      if (ifNoneMatchHits(request.headers['if-none-match'], etag)) return reply.code(304).send();
      return reply.type('application/json').send(singleConfigBody(config));
    },
  );

  app.post<{ Params: IntegrationParams; Body: ConfigBody }>(
    base,
    { schema: createConfigSchema },
    async function createConfig(request, reply) {
      const key = keyOf(request);
      const body = request.body;
      const config = configOf(body);
      if (body.scope === undefined) throw UnprocessableEntity('The body must have "scope", a string.');
      const problem = scopeProblem(body.scope);
      if (problem) throw UnprocessableEntity(`Invalid scope: ${problem}.`);
      const created = await store.createConfig(key, {
        scope: body.scope,
        configJson: serialiseConfig(config, maxConfigBytes),
        nowSeconds: epochSeconds(clock),
        actor: actor(request),
      });
      if (created === 'exists') {
        throw UnprocessableEntity(
          `A config with scope "${body.scope}" already exists; change it with PUT or PATCH on its scope.`,
        );
      }
      reply.header('etag', etagOf(created));
      return reply.code(201).type('application/json').send(singleConfigBody(created));
    },
  );

  const rejectRename = (body: ConfigBody, scope: string) => {
    if (body?.scope !== undefined && body.scope !== scope) {
      throw UnprocessableEntity(
        `The body's scope "${body.scope}" differs from the path's "${scope}"; scopes cannot be renamed.`,
      );
    }
  };

  app.put<{ Params: ScopeParams; Body: ConfigBody }>(
    `${base}/:scope`,
    { schema: replaceConfigSchema },
    async function replaceConfig(request, reply) {
      const key = keyOf(request);
      const scope = pathScope(request.params.scope);
      const config = configOf(request.body);
      rejectRename(request.body, scope);
      const configJson = serialiseConfig(config, maxConfigBytes);
      const outcome = await store.updateConfig(key, scope, {
        edit: { kind: 'replace', configJson },
        precondition: ifMatch(request),
        nowSeconds: epochSeconds(clock),
        operation: 'replace',
        actor: actor(request),
      });
      const updated = written(outcome, scope)!;
      reply.header('etag', etagOf(updated));
      return reply.type('application/json').send(singleConfigBody(updated));
    },
  );

  app.patch<{ Params: ScopeParams; Body: ConfigBody }>(
    `${base}/:scope`,
    { schema: mergeConfigSchema },
    async function mergeConfig(request, reply) {
      const key = keyOf(request);
      const scope = pathScope(request.params.scope);
      const patch = configOf(request.body);
      rejectRename(request.body, scope);
      const outcome = await store.updateConfig(key, scope, {
        // Applied inside the write, against the current config: concurrent merges never lose a key.
        // A result too large or too deep is refused (ConfigRefusedError, answered 422).
        edit: { kind: 'merge', patch, maxBytes: maxConfigBytes },
        precondition: ifMatch(request),
        nowSeconds: epochSeconds(clock),
        operation: 'merge',
        actor: actor(request),
      });
      const updated = written(outcome, scope)!;
      reply.header('etag', etagOf(updated));
      return reply.type('application/json').send(singleConfigBody(updated));
    },
  );

  app.delete<{ Params: ScopeParams }>(
    `${base}/:scope`,
    { schema: deleteConfigSchema },
    async function deleteConfig(request, reply) {
      const key = keyOf(request);
      const scope = pathScope(request.params.scope);
      const author = { actor: actor(request), nowSeconds: epochSeconds(clock) };
      written(await store.deleteConfig(key, scope, ifMatch(request), author), scope);
      return reply.code(204).send();
    },
  );
}

/** The absolute URL of the next page: the same filter and size, after the last id seen. */
function nextPageUrl(baseUrl: string, request: FastifyRequest, filter: string, afterId: number, size: number): string {
  const path = request.url.split('?')[0];
  const query = new URLSearchParams({
    'filter[scope]': filter,
    'page[after]': String(afterId),
    'page[size]': String(size),
  });
  return `${baseUrl}${path}?${query.toString()}`;
}

/** The detail of an empty list's 404: what was asked for, so the client can tell why. */
function noConfigMatches(filter: string, afterId: number | undefined): string {
  const after = afterId ? ` after id ${afterId}: the list ends before this page` : '';
  return `No config of this integration matches filter[scope]=${JSON.stringify(filter)}${after}.`;
}

/** The vendor's own samples send `page[after]=&page[size]=`: empty means absent. */
async function treatEmptyPageParamsAsAbsent(request: FastifyRequest): Promise<void> {
  const query = request.query as Record<string, unknown>;
  for (const key of ['page[after]', 'page[size]']) if (query[key] === '') delete query[key];
}
