import type { FastifyInstance, FastifyRequest } from 'fastify';
import { epochSeconds, type Clock } from '../../clock.js';
import { actorOf } from '../../http/actor.js';
import { accountIdOf, checkIntegrationAccess, checkTokenScope, type Principal } from '../../http/authenticate.js';
import { BadRequest, NotFound, PreconditionFailed, UnprocessableEntity } from '../../http/errors.js';
import type { ConfigStore, IntegrationKey } from '../../store/store.js';
import { singleConfigBody } from '../configs/config-json.js';
import { etagOf } from '../configs/etag.js';
import { scopeProblem } from '../names.js';
import { getRevisionSchema, listRevisionsSchema, restoreSchema } from './history-schemas.js';
import { restoreRevision } from './restore-revision.js';
import { revisionJson, revisionListBody } from './revision-json.js';

export interface HistoryRoutesOptions {
  store: ConfigStore;
  clock: Clock;
  /** Resolves the request's principal (authentication, Host check). */
  principalOf: (request: FastifyRequest) => Principal;
  /** Where absolute links (`links.next`) point: see `http/public-url.ts`. */
  publicUrlOf: (request: FastifyRequest) => string;
}

const base = '/api/switchboard/v1/integrations/:integration/configs/:scope';
const defaultPageSize = 100;

interface ScopeParams {
  integration: string;
  scope: string;
}
interface PageQuery {
  'page[after]'?: number;
  'page[size]'?: number;
}

/** A config's history: its revisions, one revision, and restoring one. */
export async function historyRoutes(app: FastifyInstance, options: HistoryRoutesOptions): Promise<void> {
  const { store, clock } = options;
  // Before the body is read: a read-only token cannot restore.
  app.addHook('onRequest', async (request) => checkTokenScope(options.principalOf(request), request.method));

  const target = (request: FastifyRequest<{ Params: ScopeParams }>): { key: IntegrationKey; scope: string } => {
    const principal = options.principalOf(request);
    checkIntegrationAccess(principal, request.params.integration);
    const { scope } = request.params;
    const problem = scopeProblem(scope);
    if (problem) throw BadRequest(`Invalid scope in the path: ${problem}.`);
    return { key: { accountId: accountIdOf(principal), integration: request.params.integration }, scope };
  };
  const noHistory = (scope: string) =>
    NotFound(`The config with scope "${scope}" of this integration has no history: it was never written.`);

  app.get<{ Params: ScopeParams; Querystring: PageQuery }>(
    `${base}/revisions`,
    { schema: listRevisionsSchema },
    async function listRevisions(request, reply) {
      const { key, scope } = target(request);
      const after = request.query['page[after]'] || undefined;
      const size = request.query['page[size]'] ?? defaultPageSize;
      const rows = await store.listConfigRevisions(key, scope, { beforeRevision: after, limit: size + 1 });
      if (
        rows.length === 0 &&
        (after === undefined || (await store.listConfigRevisions(key, scope, { limit: 1 })).length === 0)
      ) {
        throw noHistory(scope);
      }
      const page = rows.slice(0, size);
      const next =
        rows.length > size
          ? nextPageUrl(options.publicUrlOf(request), request, page.at(-1)!.revision, size)
          : undefined;
      return reply.type('application/json').send(revisionListBody(page, next));
    },
  );

  app.get<{ Params: ScopeParams & { revision: number } }>(
    `${base}/revisions/:revision`,
    { schema: getRevisionSchema },
    async function getRevision(request, reply) {
      const { key, scope } = target(request);
      const found = await store.getConfigRevision(key, scope, request.params.revision);
      if (!found) {
        const any = await store.listConfigRevisions(key, scope, { limit: 1 });
        if (any.length === 0) throw noHistory(scope);
        throw NotFound(
          `The config with scope "${scope}" has no revision ${request.params.revision}: list its revisions ` +
            'to see which are kept.',
        );
      }
      return reply.type('application/json').send(`{"revision":${revisionJson(found)}}`);
    },
  );

  app.post<{ Params: ScopeParams; Body: { revision: number } }>(
    `${base}/restore`,
    { schema: restoreSchema },
    async function restore(request, reply) {
      const { key, scope } = target(request);
      const header = request.headers['if-match'];
      const number = request.body.revision;
      const outcome = await restoreRevision(store, {
        key,
        scope,
        revision: number,
        precondition: header === undefined ? undefined : { ifMatch: header },
        actor: actorOf(options.principalOf(request), request),
        nowSeconds: epochSeconds(clock),
      });
      switch (outcome.kind) {
        case 'no_history':
          throw noHistory(scope);
        case 'no_revision':
          throw NotFound(
            `The config with scope "${scope}" has no revision ${number}: list its revisions to see which are kept.`,
          );
        case 'is_delete':
          throw UnprocessableEntity(
            `Revision ${number} deleted the config, so it has no config to restore; restore an earlier revision.`,
          );
        case 'precondition_failed':
          throw PreconditionFailed();
        default:
          reply.header('etag', etagOf(outcome.config));
          return reply
            .code(outcome.kind === 'recreated' ? 201 : 200)
            .type('application/json')
            .send(singleConfigBody(outcome.config));
      }
    },
  );
}

/** The absolute URL of the next page: the same size, below the last revision seen. */
function nextPageUrl(baseUrl: string, request: FastifyRequest, after: number, size: number): string {
  const path = request.url.split('?')[0];
  const query = new URLSearchParams({ 'page[after]': String(after), 'page[size]': String(size) });
  return `${baseUrl}${path}?${query.toString()}`;
}
