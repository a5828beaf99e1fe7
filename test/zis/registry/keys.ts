import type { Tenant } from '../../helpers/server.js';

/** The store's key of a tenant's integration. */
export const keyOf = (tenant: Tenant, integration: string) => ({ accountId: tenant.accountId, integration });
