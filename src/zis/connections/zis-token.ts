import { checkIntegrationAccess, checkTokenScope, type Principal } from '../../http/authenticate.js';
import { Forbidden } from '../../http/errors.js';
import type { IntegrationKey } from '../../store/store.js';

/**
 * Connections and ZIS OAuth clients take what the vendor documents for them: a ZIS OAuth
 * access token of the integration (`read` for GET, `write` otherwise). Admin basic auth is
 * refused with 403, as the vendor refuses it there.
 */
export function zisTokenKey(principal: Principal, integration: string, method: string, what: string): IntegrationKey {
  if (principal.kind !== 'token') {
    throw Forbidden(
      `${what} takes a ZIS OAuth access token of the integration ("Authorization: Bearer {access_token}", from ` +
        'POST /oauth/tokens with its zis_ client), not admin credentials.',
    );
  }
  checkTokenScope(principal, method);
  checkIntegrationAccess(principal, integration);
  return { accountId: principal.accountId, integration };
}

/** What a secret reads as in every answer: it is never returned. */
export const redacted = '*****';
