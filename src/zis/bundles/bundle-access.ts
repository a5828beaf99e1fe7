import { accountIdOf, checkIntegrationAccess, checkTokenScope, type Principal } from '../../http/authenticate.js';
import { NotFound } from '../../http/errors.js';
import type { IntegrationKey, TokenStore } from '../../store/store.js';

/**
 * Bundles and job specs take what the vendor documents: admin basic auth, an API token, or
 * a ZIS OAuth token of the integration (with `write` to change anything). The integration
 * must be registered on the principal's account; another account's answers 404.
 */
export async function registryKeyOf(
  store: TokenStore,
  principal: Principal,
  integration: string,
  method: string,
): Promise<IntegrationKey> {
  checkTokenScope(principal, method);
  checkIntegrationAccess(principal, integration);
  const accountId = accountIdOf(principal);
  if (principal.kind === 'admin' && !(await store.findIntegration(accountId, integration))) {
    throw NotFound(
      `No integration "${integration}" is registered on this account. ` +
        `Register it first: POST /api/services/zis/registry/${integration}.`,
    );
  }
  return { accountId, integration };
}
