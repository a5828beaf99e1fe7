import { NotFound, UnprocessableEntity } from '../../http/errors.js';
import type { ChannelIntegration } from '../../store/channel-store.js';
import type { ChannelContext } from '../channel-context.js';
import { fetchManifest } from './fetch-manifest.js';

type ManageContext = Pick<ChannelContext, 'channels' | 'client' | 'nowMs' | 'signingSecret'>;

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
  const { manifest } = await fetchManifest(context.client, requestedUrl);
  const integration = await context.channels.createIntegration({
    accountId,
    remoteId: manifest.id,
    name: manifest.name,
    manifestUrl: requestedUrl,
    manifestJson: JSON.stringify(manifest),
    nowMs: context.nowMs(),
  });
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
  const { manifest } = await fetchManifest(context.client, integration.manifestUrl);
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
