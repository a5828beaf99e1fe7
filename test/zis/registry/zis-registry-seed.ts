import type { Store } from '../../../src/store/store.js';
import type { Tenant } from '../../helpers/server.js';
import { exampleBundle, secrets } from './zis-registry-fixtures.js';

/** One of each registry row (two versions of a bundle) for `tenant`'s integration `zap`, through the store. */
export async function seedRegistry(store: Store, tenant: Tenant): Promise<void> {
  const key = { accountId: tenant.accountId, integration: 'zap' };
  for (const result of ['v1', 'v2']) {
    await store.zisRegistry.saveBundle({
      ...key,
      name: 'example bundle',
      uuid: 'b2a1c0de-0000-4000-8000-000000000001',
      description: 'd',
      templateVersion: '2019-10-14',
      resourcesJson: JSON.stringify(exampleBundle('zap', 'example bundle', result).resources),
      nowSeconds: 1_700_000_000,
    });
  }
  await store.zisRegistry.installJobSpec(key, 'zis:zap:job_spec:my_job_spec', 1_700_000_001);
  const connections = [
    ['bearer_token', null, secrets.bearer],
    ['basic_auth', 'me@example.com', secrets.password],
    ['api_key', 'X-Api-Key', secrets.apiKey],
  ] as const;
  for (const [connectionType, label, secret] of connections) {
    await store.zisRegistry.createConnection({
      ...key,
      connectionType,
      name: `c_${connectionType}`,
      allowedDomain: 'api.example.com',
      label,
      secret,
      nowSeconds: 1_700_000_002,
    });
  }
  await store.zisRegistry.createOAuthClient({
    ...key,
    uuid: 'c1a2b3c4-0000-4000-8000-000000000002',
    name: 'slack',
    clientId: 'slack-client',
    clientSecret: secrets.clientSecret,
    authUrl: 'https://slack.example/oauth/authorize',
    tokenUrl: 'https://slack.example/oauth/token',
    defaultScopes: 'read',
    grantType: 'authorization_code',
    nowSeconds: 1_700_000_003,
  });
}
