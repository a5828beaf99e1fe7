import type { Actor, ConfigRecord, ConfigStore, IntegrationKey, Precondition } from '../../store/store.js';

export type RestoreOutcome =
  | { kind: 'overwritten' | 'recreated'; config: ConfigRecord }
  | { kind: 'no_history' | 'no_revision' | 'is_delete' | 'precondition_failed' };

export interface RestoreRequest {
  key: IntegrationKey;
  scope: string;
  revision: number;
  /** The If-Match check; when given, a config that no longer exists fails it too. */
  precondition: Precondition | undefined;
  actor: Actor;
  nowSeconds: number;
}

/** Tries before giving up when the config is deleted and recreated under our feet. */
const attempts = 3;

/**
 * Writes a revision's config as a new change, operation `restore`: over the current config,
 * or, when the config was deleted since, as a new one (a new id, the version after the
 * deleted one's). Each attempt is one store write, so the revision is in its transaction.
 */
export async function restoreRevision(store: ConfigStore, request: RestoreRequest): Promise<RestoreOutcome> {
  const { key, scope, precondition, actor, nowSeconds } = request;
  const revision = await store.getConfigRevision(key, scope, request.revision);
  if (!revision) {
    const any = await store.listConfigRevisions(key, scope, { limit: 1 });
    return { kind: any.length === 0 ? 'no_history' : 'no_revision' };
  }
  const configJson = revision.configJson;
  if (configJson === undefined) return { kind: 'is_delete' };
  for (let attempt = 0; attempt < attempts; attempt++) {
    const outcome = await store.updateConfig(key, scope, {
      edit: { kind: 'replace', configJson },
      precondition,
      nowSeconds,
      operation: 'restore',
      actor,
    });
    if (outcome.kind === 'precondition_failed') return outcome;
    if (outcome.kind === 'ok') return { kind: 'overwritten', config: outcome.config! };
    // Deleted: If-Match names a config that is no more, so it cannot hold.
    if (precondition) return { kind: 'precondition_failed' };
    const [latest] = await store.listConfigRevisions(key, scope, { limit: 1 });
    const created = await store.createConfig(key, {
      scope,
      configJson,
      nowSeconds,
      actor,
      operation: 'restore',
      version: (latest?.version ?? 0) + 1,
    });
    if (created !== 'exists') return { kind: 'recreated', config: created };
  }
  // Created and deleted again between each of our tries: answer as a lost race.
  return { kind: 'precondition_failed' };
}
