import { formatTimestamp } from '../../clock.js';
import { timestamp } from '../../http/response-schemas.js';
import type { BundleRecord } from '../../store/zis-registry-store.js';

/** A bundle as the vendor's list shows it. */
export function bundleJson(bundle: BundleRecord) {
  return {
    uuid: bundle.uuid,
    name: bundle.name,
    description: bundle.description,
    integration: bundle.integration,
    zendesk_account_id: bundle.accountId,
    zis_template_version: bundle.templateVersion,
    resources: JSON.parse(bundle.resourcesJson) as object,
  };
}

/** One stored version of a bundle (Switchboard's own route). */
export const bundleVersionJson = (bundle: BundleRecord) => ({
  ...bundleJson(bundle),
  version: bundle.version,
  uploaded_at: formatTimestamp(bundle.uploadedAt),
});

export const bundleSchema = {
  type: 'object',
  properties: {
    uuid: { type: 'string', description: 'The same for every version of the bundle.' },
    name: { type: 'string' },
    description: { type: 'string' },
    integration: { type: 'string' },
    zendesk_account_id: { type: 'integer' },
    zis_template_version: { type: 'string', examples: ['2019-10-14'] },
    resources: { type: 'object', additionalProperties: true, description: 'As uploaded.' },
  },
} as const;

export const bundleVersionSchema = {
  type: 'object',
  properties: {
    ...bundleSchema.properties,
    version: { type: 'integer', description: '1 for the first upload of the name, then one more per upload.' },
    uploaded_at: timestamp,
  },
} as const;
