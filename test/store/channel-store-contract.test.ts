import { describe } from 'vitest';
import { channelStoreProfiles } from '../helpers/channel-stores.js';
import { completePullSuite } from './channel-contract/complete-pull.js';
import { deletingSuite } from './channel-contract/deleting.js';
import { handoffsSuite } from './channel-contract/handoffs.js';
import { instancesSuite } from './channel-contract/instances.js';
import { integrationsSuite } from './channel-contract/integrations.js';
import { pullClaimsSuite } from './channel-contract/pull-claims.js';
import { pullLeasesSuite } from './channel-contract/pull-leases.js';
import { threadsSuite } from './channel-contract/threads.js';

/** The channel-store contract: every store kind passes the same suites, each on a store of its own. */
describe.each(channelStoreProfiles)('ChannelStore contract on $name', (kind) => {
  integrationsSuite(kind);
  instancesSuite(kind);
  pullClaimsSuite(kind);
  completePullSuite(kind);
  pullLeasesSuite(kind);
  threadsSuite(kind);
  handoffsSuite(kind);
  deletingSuite(kind);
});
