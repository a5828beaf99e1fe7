import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFound } from '../http/errors.js';
import type { IntegrationKey } from '../store/store.js';
import { etagOf } from '../zis/configs/etag.js';
import { isIntegrationName, scopeProblem } from '../zis/names.js';
import { parseScopeFilter } from '../zis/configs/scope-filter.js';
import type { ConsoleContext } from './console-context.js';
import { field, positiveInt } from './forms.js';
import { renderPage } from './render.js';
import { adminOf, viewerOf } from './signed-in.js';

/** Config counts stop here: the list page reads at most this many rows + 1 per integration. */
export const configCountCap = 1000;
/** Configs per page of one integration's list. */
export const configPageSize = 25;

/** The integration of a console path, as the store keys configs. */
export function integrationKeyOf(request: FastifyRequest<{ Params: { integration: string } }>): IntegrationKey {
  const { integration } = request.params;
  if (!isIntegrationName(integration)) throw NotFound(`There is no integration named "${integration}".`);
  return { accountId: adminOf(request).account.id, integration };
}

/** The `scope` of a console query or form: a valid scope, or 404. */
export function scopeOf(source: unknown): string {
  const scope = field(source, 'scope');
  const problem = scopeProblem(scope);
  if (problem) throw NotFound(`There is no config with that scope: ${problem}.`);
  return scope;
}

export const configsPath = (integration: string) => `/console/configs/${encodeURIComponent(integration)}`;
export const configPath = (integration: string, scope: string) =>
  `${configsPath(integration)}/config?scope=${encodeURIComponent(scope)}`;
export const historyPath = (integration: string, scope: string, before?: number) =>
  `${configsPath(integration)}/history?scope=${encodeURIComponent(scope)}${before ? `&before=${before}` : ''}`;

/** Configs: the integrations with their config counts, one integration's configs, one config. */
export async function configPages(app: FastifyInstance, context: ConsoleContext): Promise<void> {
  const { store } = context;
  const everyScope = parseScopeFilter('*') as { pattern: string[] };

  app.get('/console/configs', async function consoleIntegrationConfigs(request, reply) {
    const admin = adminOf(request);
    const integrations = await store.listIntegrations(admin.account.id);
    // Counted by reading at most cap + 1 rows: never a full count per page view.
    const rows = await Promise.all(
      integrations.map(async (integration) => {
        const configs = await store.listConfigs(
          { accountId: admin.account.id, integration: integration.name },
          { pattern: everyScope.pattern, afterId: 0, limit: configCountCap + 1 },
        );
        return { name: integration.name, count: configs.length };
      }),
    );
    return renderPage(
      reply,
      'configs/integrations',
      { title: 'Configs', section: 'configs', viewer: viewerOf(request) },
      { rows, cap: configCountCap },
    );
  });

  app.get<{ Params: { integration: string }; Querystring: Record<string, string> }>(
    '/console/configs/:integration',
    async function consoleConfigList(request, reply) {
      const key = integrationKeyOf(request);
      const filter = field(request.query, 'filter') || '*';
      const after = positiveInt(field(request.query, 'after')) ?? 0;
      const parsed = parseScopeFilter(filter);
      const options = {
        title: `Configs of ${key.integration}`,
        section: 'configs' as const,
        viewer: viewerOf(request),
        trail: [['Configs', '/console/configs']] as [string, string][],
      };
      if ('problem' in parsed) {
        return renderPage(
          reply,
          'configs/list',
          { ...options, status: 400 },
          {
            integration: key.integration,
            filter,
            configs: [],
            next: undefined,
            after,
            error: `Filter not applied: ${parsed.problem}.`,
          },
        );
      }
      const rows = await store.listConfigs(key, { pattern: parsed.pattern, afterId: after, limit: configPageSize + 1 });
      const configs = rows.slice(0, configPageSize).map((config) => ({ ...config, etag: etagOf(config) }));
      const next = rows.length > configPageSize ? configs.at(-1)!.id : undefined;
      return renderPage(reply, 'configs/list', options, { integration: key.integration, filter, configs, next, after });
    },
  );

  app.get<{ Params: { integration: string }; Querystring: Record<string, string> }>(
    '/console/configs/:integration/config',
    async function consoleConfig(request, reply) {
      const key = integrationKeyOf(request);
      const scope = scopeOf(request.query);
      const config = await store.getConfig(key, scope);
      if (!config) {
        // A deleted config keeps its history: the 404 page leads there.
        if ((await store.listConfigRevisions(key, scope, { limit: 1 })).length === 0)
          throw NotFound(`There is no config with scope "${scope}" in ${key.integration}.`);
        return renderPage(
          reply,
          'configs/gone',
          {
            title: 'Not found',
            section: 'configs',
            viewer: viewerOf(request),
            status: 404,
            trail: [
              ['Configs', '/console/configs'],
              [key.integration, configsPath(key.integration)],
            ],
          },
          { integration: key.integration, scope, historyHref: historyPath(key.integration, scope) },
        );
      }
      return renderPage(
        reply,
        'configs/show',
        {
          title: scope,
          section: 'configs',
          viewer: viewerOf(request),
          trail: [
            ['Configs', '/console/configs'],
            [key.integration, configsPath(key.integration)],
          ],
        },
        {
          integration: key.integration,
          config,
          etag: etagOf(config),
          historyHref: historyPath(key.integration, scope),
        },
      );
    },
  );
}
