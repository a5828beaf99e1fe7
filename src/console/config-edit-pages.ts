import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { epochSeconds } from '../clock.js';
import { actorOf } from '../http/actor.js';
import { ApiError, NotFound } from '../http/errors.js';
import type { ConfigRecord, IntegrationKey } from '../store/store.js';
import { serialiseConfig } from '../zis/configs/config-body.js';
import { etagOf } from '../zis/configs/etag.js';
import { scopeProblem } from '../zis/names.js';
import { configPath, configsPath, integrationKeyOf, scopeOf } from './config-pages.js';
import type { ConsoleContext } from './console-context.js';
import { diffJson } from './config-diff.js';
import { field } from './forms.js';
import { redirectAfterPost, renderPage } from './render.js';
import { principalOf, viewerOf } from './signed-in.js';

type Params = { Params: { integration: string } };

/** The config text of an editor as the object the API stores, or what is wrong with it in words. */
function parseEditorText(text: string): { config: Record<string, unknown> } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `The config is not valid JSON: ${(error as Error).message}. Nothing was saved.` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { problem: 'The config must be a JSON object: { ... }. Nothing was saved.' };
  }
  return { config: value as Record<string, unknown> };
}

/**
 * Create, edit and delete: the same store calls as the API's POST, PUT and DELETE, with the
 * ETag the editor was opened with as `If-Match`. An edit is reviewed (the difference against
 * the stored version) before it is saved; a stale save is explained and the text kept.
 */
export async function configEditPages(app: FastifyInstance, context: ConsoleContext): Promise<void> {
  const { store, clock, maxConfigBytes } = context;
  const trail = (key: IntegrationKey, scope?: string): [string, string][] => [
    ['Configs', '/console/configs'],
    [key.integration, configsPath(key.integration)],
    ...(scope === undefined ? [] : [[scope, configPath(key.integration, scope)] as [string, string]]),
  ];
  const found = async (key: IntegrationKey, scope: string) => {
    const config = await store.getConfig(key, scope);
    if (!config)
      throw NotFound(`There is no config with scope "${scope}" in ${key.integration}; it may have been deleted.`);
    return config;
  };

  // --- Create ----------------------------------------------------------------------------
  const newForm = (
    request: FastifyRequest,
    reply: FastifyReply,
    key: IntegrationKey,
    form: { scope: string; text: string; error?: string; status?: number },
  ) =>
    renderPage(
      reply,
      'configs/new',
      {
        title: `New config in ${key.integration}`,
        section: 'configs',
        viewer: viewerOf(request),
        trail: trail(key),
        status: form.status,
      },
      { integration: key.integration, ...form },
    );

  app.get<Params>('/console/configs/:integration/new', async function consoleNewConfig(request, reply) {
    return newForm(request, reply, integrationKeyOf(request), { scope: '', text: '{\n  \n}' });
  });

  app.post<Params>('/console/configs/:integration', async function consoleCreateConfig(request, reply) {
    const key = integrationKeyOf(request);
    const scope = field(request.body, 'scope');
    const text = field(request.body, 'config');
    const refuse = (error: string, status = 422) => newForm(request, reply, key, { scope, text, error, status });
    const problem = scopeProblem(scope);
    if (problem) return refuse(`The scope is not valid: ${problem}. Nothing was saved.`);
    const parsed = parseEditorText(text);
    if ('problem' in parsed) return refuse(parsed.problem);
    let created: ConfigRecord | 'exists';
    try {
      const configJson = serialiseConfig(parsed.config, maxConfigBytes);
      created = await store.createConfig(key, {
        scope,
        configJson,
        nowSeconds: epochSeconds(clock),
        actor: actorOf(principalOf(request), request),
      });
    } catch (error) {
      if (error instanceof ApiError && error.statusCode < 500)
        return refuse(`${error.detail} Nothing was saved.`, error.statusCode);
      throw error;
    }
    if (created === 'exists') {
      return refuse(
        `A config with scope "${scope}" already exists in ${key.integration}: open it and edit it instead.`,
      );
    }
    return redirectAfterPost(reply, configPath(key.integration, scope), `Created config "${scope}".`);
  });

  // --- Edit: editor → review → save --------------------------------------------------------
  const editor = async (
    request: FastifyRequest,
    reply: FastifyReply,
    key: IntegrationKey,
    form: {
      config: ConfigRecord;
      text: string;
      etag: string;
      error?: string;
      stale?: { opened: string };
      status?: number;
    },
  ) => {
    // A stale edit shows what the other save changed against the text kept here.
    const diff = form.stale ? await diffJson(form.config.configJson, form.text) : undefined;
    return renderPage(
      reply,
      'configs/edit',
      {
        title: `Edit ${form.config.scope}`,
        section: 'configs',
        viewer: viewerOf(request),
        trail: trail(key, form.config.scope),
        status: form.status,
      },
      { integration: key.integration, current: etagOf(form.config), diff, ...form },
    );
  };

  app.get<Params>('/console/configs/:integration/edit', async function consoleEditConfig(request, reply) {
    const key = integrationKeyOf(request);
    const config = await found(key, scopeOf(request.query));
    return editor(request, reply, key, {
      config,
      text: JSON.stringify(JSON.parse(config.configJson), null, 2),
      etag: etagOf(config),
    });
  });

  app.post<Params>('/console/configs/:integration/review', async function consoleReviewConfig(request, reply) {
    const key = integrationKeyOf(request);
    const config = await found(key, scopeOf(request.body));
    const text = field(request.body, 'config');
    const etag = field(request.body, 'etag');
    const parsed = parseEditorText(text);
    if ('problem' in parsed)
      return editor(request, reply, key, { config, text, etag, error: parsed.problem, status: 422 });
    const diff = await diffJson(config.configJson, text);
    return renderPage(
      reply,
      'configs/review',
      {
        title: `Review ${config.scope}`,
        section: 'configs',
        viewer: viewerOf(request),
        trail: trail(key, config.scope),
      },
      { integration: key.integration, config, text, etag, diff, changedSinceOpened: etag !== etagOf(config) },
    );
  });

  // From the review page: the editor again, with the text as it was sent.
  app.post<Params>('/console/configs/:integration/edit-again', async function consoleEditAgain(request, reply) {
    const key = integrationKeyOf(request);
    const config = await found(key, scopeOf(request.body));
    return editor(request, reply, key, {
      config,
      text: field(request.body, 'config'),
      etag: field(request.body, 'etag'),
    });
  });

  app.post<Params>('/console/configs/:integration/save', async function consoleSaveConfig(request, reply) {
    const key = integrationKeyOf(request);
    const scope = scopeOf(request.body);
    const text = field(request.body, 'config');
    const etag = field(request.body, 'etag');
    const parsed = parseEditorText(text);
    if ('problem' in parsed) {
      return editor(request, reply, key, {
        config: await found(key, scope),
        text,
        etag,
        error: parsed.problem,
        status: 422,
      });
    }
    let outcome;
    try {
      const configJson = serialiseConfig(parsed.config, maxConfigBytes);
      outcome = await store.updateConfig(key, scope, {
        edit: { kind: 'replace', configJson },
        // The version the editor was opened with, as the API's If-Match.
        precondition: { ifMatch: etag },
        nowSeconds: epochSeconds(clock),
        // Recorded in the config's history as the API's PUT is.
        operation: 'replace',
        actor: actorOf(principalOf(request), request),
      });
    } catch (error) {
      if (error instanceof ApiError && error.statusCode < 500) {
        const config = await found(key, scope);
        return editor(request, reply, key, {
          config,
          text,
          etag,
          error: `${error.detail} Nothing was saved.`,
          status: error.statusCode,
        });
      }
      throw error;
    }
    if (outcome.kind === 'not_found')
      throw NotFound(`The config "${scope}" was deleted while you edited it; nothing was saved.`);
    if (outcome.kind === 'precondition_failed') {
      const config = await found(key, scope);
      return editor(request, reply, key, { config, text, etag: etagOf(config), stale: { opened: etag }, status: 412 });
    }
    return redirectAfterPost(reply, configPath(key.integration, scope), `Saved config "${scope}".`);
  });

  // --- Delete, after a confirmation page -------------------------------------------------
  app.get<Params>('/console/configs/:integration/delete', async function consoleConfirmDelete(request, reply) {
    const key = integrationKeyOf(request);
    const config = await found(key, scopeOf(request.query));
    return renderPage(
      reply,
      'confirm',
      {
        title: `Delete config ${config.scope}?`,
        section: 'configs',
        viewer: viewerOf(request),
        trail: trail(key, config.scope),
      },
      {
        message: `The config "${config.scope}" of ${key.integration} will be deleted. This cannot be undone.`,
        action: `${configsPath(key.integration)}/delete`,
        fields: { scope: config.scope, etag: etagOf(config) },
        confirm: 'Delete config',
        cancel: configPath(key.integration, config.scope),
      },
    );
  });

  app.post<Params>('/console/configs/:integration/delete', async function consoleDeleteConfig(request, reply) {
    const key = integrationKeyOf(request);
    const scope = scopeOf(request.body);
    const etag = field(request.body, 'etag');
    const outcome = await store.deleteConfig(key, scope, etag ? { ifMatch: etag } : undefined, {
      actor: actorOf(principalOf(request), request),
      nowSeconds: epochSeconds(clock),
    });
    if (outcome.kind === 'not_found')
      throw NotFound(`There is no config with scope "${scope}"; it may have been deleted already.`);
    if (outcome.kind === 'precondition_failed') {
      return redirectAfterPost(
        reply,
        configPath(key.integration, scope),
        `Not deleted: "${scope}" was changed after you asked to delete it. Check this version and delete again if you still mean to.`,
      );
    }
    return redirectAfterPost(reply, configsPath(key.integration), `Deleted config "${scope}".`);
  });
}
