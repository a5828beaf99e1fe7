import type { ChannelIntegration } from '../../store/channel-store.js';
import { isoTime } from '../instances/instance-json.js';
import { timestamp } from '../../http/response-schemas.js';

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

/** `integrationJson`'s shape, for route schemas (serialisation and the OpenAPI document). */
export const integrationSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string', examples: ['Example channel'] },
    remote_id: { type: 'string', description: "The manifest's id." },
    manifest_url: { type: 'string', examples: ['http://127.0.0.1:4000/manifest.json'] },
    manifest: { type: 'object', additionalProperties: true, description: 'The manifest, its URLs resolved.' },
    created_at: timestamp,
    updated_at: timestamp,
  },
} as const;
