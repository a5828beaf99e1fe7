import { BadRequest } from '../../http/errors.js';
import { withOAuthCode } from '../../http/oauth-envelope.js';
import { tokenScopes, type TokenScope } from '../../store/store.js';

/**
 * The scopes a grant issues (RFC 6749 §3.3): exactly those asked for, in `scope` as
 * space-separated names; `read write` when none are asked for. An unknown name is refused
 * (`invalid_scope`), never dropped or echoed: a client that asked for a read-only token
 * gets one or an error. `within` narrows further: a refresh may not widen its grant.
 */
export function grantedScopes(requested: unknown, within: readonly TokenScope[] = tokenScopes): TokenScope[] {
  if (requested !== undefined && typeof requested !== 'string') {
    throw withOAuthCode(
      BadRequest('scope must be a string of space-separated scopes, such as "read" or "read write".'),
      'invalid_request',
    );
  }
  const names = (requested ?? '').split(' ').filter((name) => name !== '');
  if (names.length === 0) return [...within];
  const unknown = names.filter((name) => !(tokenScopes as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw withOAuthCode(
      BadRequest(
        `Unknown scope ${unknown.map((name) => JSON.stringify(name)).join(', ')}: ` +
          'a ZIS token\'s scopes are "read" and "write" (space-separated).',
      ),
      'invalid_scope',
    );
  }
  const wider = names.filter((name) => !(within as readonly string[]).includes(name));
  if (wider.length > 0) {
    throw withOAuthCode(
      BadRequest(
        `scope ${JSON.stringify(wider.join(' '))} is wider than the grant, which has "${within.join(' ')}": ` +
          'ask for those scopes or fewer.',
      ),
      'invalid_scope',
    );
  }
  return tokenScopes.filter((scope) => names.includes(scope));
}

/** Scopes as OAuth writes them in an answer: `read write`. */
export const scopeText = (scopes: readonly TokenScope[]): string => scopes.join(' ');
