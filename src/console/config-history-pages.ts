import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { epochSeconds } from '../clock.js';
import { actorOf } from '../http/actor.js';
import { NotFound, UnprocessableEntity } from '../http/errors.js';
import type { ConfigRevision, IntegrationKey } from '../store/store.js';
import { etagOf } from '../zis/configs/etag.js';
import { restoreRevision } from '../zis/history/restore-revision.js';
import { revisionEtag } from '../zis/history/revision-json.js';
import { configPath, configsPath, historyPath, integrationKeyOf, scopeOf } from './config-pages.js';
import { diffJson, type DiffLine } from './config-diff.js';
import type { ConsoleContext } from './console-context.js';
import { field, positiveInt } from './forms.js';
import { redirectAfterPost, renderPage } from './render.js';
import { principalOf, viewerOf } from './signed-in.js';

/** Revisions per page of a config's history. */
export const historyPageSize = 25;

type Params = { Params: { integration: string } };

/** One revision as the history page shows it: the change against the revision before it. */
interface RevisionRow {
  revision: ConfigRevision;
  etag: string;
  /** Against the previous revision, when both hold a config; otherwise the page shows the config whole. */
  diff: { lines: DiffLine[]; changed: boolean } | undefined;
}

/**
 * A config's history: its revisions newest first with what each changed, and a Restore
 * button per revision that goes through the API's own restore function, with the ETag the
 * page was opened with as `If-Match`. Reachable for a deleted config too (by scope).
 */
export async function configHistoryPages(app: FastifyInstance, context: ConsoleContext): Promise<void> {
  const { store, clock } = context;

  const historyPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    key: IntegrationKey,
    scope: string,
    before: number | undefined,
    problem?: { error: string; status: number },
  ) => {
    // One row past the page: it says there is more, and is the oldest row's "before".
    const [rows, current] = await Promise.all([
      store.listConfigRevisions(key, scope, { beforeRevision: before, limit: historyPageSize + 1 }),
      store.getConfig(key, scope),
    ]);
    if (rows.length === 0) {
      const none = before === undefined || (await store.listConfigRevisions(key, scope, { limit: 1 })).length === 0;
      if (none)
        throw NotFound(`The config with scope "${scope}" in ${key.integration} has no history: it was never written.`);
    }
    const page = rows.slice(0, historyPageSize);
    const revisions: RevisionRow[] = await Promise.all(
      page.map(async (revision, i) => {
        const previous = rows[i + 1]?.configJson;
        const diff =
          previous !== undefined && revision.configJson !== undefined
            ? await diffJson(previous, revision.configJson)
            : undefined;
        return { revision, etag: revisionEtag(revision), diff };
      }),
    );
    return renderPage(
      reply,
      'configs/history',
      {
        title: `History of ${scope}`,
        section: 'configs',
        viewer: viewerOf(request),
        status: problem?.status,
        trail: [
          ['Configs', '/console/configs'],
          [key.integration, configsPath(key.integration)],
          ...(current ? [[scope, configPath(key.integration, scope)] as [string, string]] : []),
        ],
      },
      {
        integration: key.integration,
        scope,
        // The page's If-Match for every Restore button: '' when the config is deleted.
        etag: current ? etagOf(current) : '',
        revisions,
        before,
        next: rows.length > historyPageSize ? page.at(-1)!.revision : undefined,
        error: problem?.error,
      },
    );
  };

  app.get<Params & { Querystring: Record<string, string> }>(
    '/console/configs/:integration/history',
    async function consoleConfigHistory(request, reply) {
      const key = integrationKeyOf(request);
      const before = positiveInt(field(request.query, 'before'));
      return historyPage(request, reply, key, scopeOf(request.query), before);
    },
  );

  app.post<Params>('/console/configs/:integration/restore', async function consoleRestoreRevision(request, reply) {
    const key = integrationKeyOf(request);
    const scope = scopeOf(request.body);
    const number = positiveInt(field(request.body, 'revision'));
    if (number === undefined) throw UnprocessableEntity('Choose a revision to restore from the history page.');
    const etag = field(request.body, 'etag');
    const stale = (now: string) =>
      historyPage(request, reply, key, scope, undefined, {
        status: 412,
        error:
          `Not restored: "${scope}" was changed after you opened its history ` +
          `(you saw ${etag || 'it deleted'}; it is now ${now}). The list below is current: ` +
          'check it and restore again if you still mean to.',
      });
    // The page saw the config deleted: a config created since is a change it did not see.
    if (!etag) {
      const recreated = await store.getConfig(key, scope);
      if (recreated) return stale(etagOf(recreated));
    }
    const outcome = await restoreRevision(store, {
      key,
      scope,
      revision: number,
      precondition: etag ? { ifMatch: etag } : undefined,
      actor: actorOf(principalOf(request), request),
      nowSeconds: epochSeconds(clock),
    });
    switch (outcome.kind) {
      case 'no_history':
      case 'no_revision':
        throw NotFound(`The config "${scope}" has no revision ${number} any more; nothing was restored.`);
      case 'is_delete':
        throw UnprocessableEntity(
          `Revision ${number} deleted the config, so it has no config to restore; restore an earlier revision.`,
        );
      case 'precondition_failed': {
        const now = await store.getConfig(key, scope);
        return stale(now ? etagOf(now) : 'deleted');
      }
      default:
        return redirectAfterPost(
          reply,
          historyPath(key.integration, scope),
          `Restored revision ${number} of "${scope}" as a new change (now ${etagOf(outcome.config)}).`,
        );
    }
  });
}
