import type { ChannelIntegration } from '../../store/channel-store.js';
import { isoTime } from '../instances/instance-json.js';

/** A channel integration as the API shows it, with its resolved manifest. */
export function integrationJson(integration: ChannelIntegration) {
  return {
    id: integration.id,
    name: integration.name,
    remote_id: integration.remoteId,
    manifest_url: integration.manifestUrl,
    manifest: JSON.parse(integration.manifestJson) as unknown,
    created_at: isoTime(integration.createdAt),
    updated_at: isoTime(integration.updatedAt),
  };
}
