import type { ChannelIntegration } from '../../store/channel-store.js';
import type { Manifest, ManifestUrlKey } from '../protocol/manifest.js';

/** The validated manifest an integration was stored with. */
export function storedManifest(integration: ChannelIntegration): Manifest {
  return JSON.parse(integration.manifestJson) as Manifest;
}

/** A resolved manifest URL (`urls[key].href`), or null when the manifest has none. */
export function manifestUrl(integration: ChannelIntegration, key: ManifestUrlKey): string | null {
  return storedManifest(integration).urls[key]?.href ?? null;
}
