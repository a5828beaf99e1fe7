import { NotFound, UnprocessableEntity } from '../../http/errors.js';
import type { ChannelIntegration } from '../../store/channel-store.js';
import type { ChannelContext } from '../channel-context.js';
import { fetchManifest, type ManifestFetchSeen } from './fetch-manifest.js';

type ManageContext = Pick<ChannelContext, 'channels' | 'client' | 'nowMs' | 'signingSecret' | 'inspector'>;

/** Whose ring a manifest fetch goes to. */
interface ManifestOwner {
  accountId: number;
  integrationId: number;
}

/**
 * Fetches a manifest and records the exchange in `owner`'s ring, success or not; without an
 * owner (a registration: no integration yet), `file` records it once there is one, and a
 * failed registration is not recorded (it has no integration to file it under).
 */
async function watchedFetch(context: ManageContext, manifestUrl: string, owner?: ManifestOwner) {
  const startedAt = context.nowMs();
  let seen: ManifestFetchSeen | undefined;
  let durationMs = 0;
  const file = async ({ accountId, integrationId }: ManifestOwner) => {
    if (!seen || !context.inspector) return;
    await context.inspector.record({
      ...seen,
      accountId,
      integrationId,
      instanceId: null,
      kind: 'manifest',
      method: 'GET',
      url: manifestUrl,
      startedAt,
      durationMs,
      requestBody: '',
    });
  };
  const observe = (fetch: ManifestFetchSeen) => {
    seen = fetch;
    durationMs = context.nowMs() - startedAt;
  };
  try {
    const fetched = await fetchManifest(context.client, manifestUrl, observe);
    if (owner) await file(owner);
    return { ...fetched, file };
  } catch (error) {
    if (owner) await file(owner);
    throw error;
  }
}

/**
 * Registers a channel integration by manifest URL: fetches and validates the manifest, then
 * stores it. The signing secret is derived, never stored; callers show it once. The API's
 * `POST …/channel_integrations` and the console both register through here.
 */
export async function registerByManifest(
  context: ManageContext,
  accountId: number,
  requestedUrl: string,
): Promise<{ integration: ChannelIntegration; signingSecret: string }> {
  const { manifest, file } = await watchedFetch(context, requestedUrl);
  const integration = await context.channels.createIntegration({
    accountId,
    remoteId: manifest.id,
    name: manifest.name,
    manifestUrl: requestedUrl,
    manifestJson: JSON.stringify(manifest),
    nowMs: context.nowMs(),
  });
  // Not awaited: the answer does not wait on the inspector (its record never rejects).
  void file({ accountId, integrationId: integration.id });
  return { integration, signingSecret: context.signingSecret(integration) };
}

/** Re-reads an integration's manifest from its URL; the manifest's `id` may not change. */
export async function rereadManifest(
  context: ManageContext,
  accountId: number,
  id: number,
): Promise<ChannelIntegration> {
  const integration = await context.channels.getIntegration(accountId, id);
  if (!integration) throw NotFound(`No channel integration ${id}.`);
  const { manifest } = await watchedFetch(context, integration.manifestUrl, {
    accountId,
    integrationId: integration.id,
  });
  if (manifest.id !== integration.remoteId) {
    throw UnprocessableEntity(
      `The manifest's id changed from "${integration.remoteId}" to "${manifest.id}"; register it as a new integration.`,
    );
  }
  const updated = await context.channels.updateIntegrationManifest(accountId, integration.id, {
    manifestJson: JSON.stringify(manifest),
    name: manifest.name,
    nowMs: context.nowMs(),
  });
  if (!updated) throw NotFound(`No channel integration ${id}.`);
  return updated;
}
