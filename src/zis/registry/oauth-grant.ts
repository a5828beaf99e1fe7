import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { FailureLimiter } from '../../store/failure-limiter.js';
import type { AccountStore, SubStores, TokenStore } from '../../store/store.js';
import type { TokenRequest } from './oauth-client-auth.js';

/** What the token endpoint's grants work with. */
export interface OAuthTokenRoutesOptions {
  store: AccountStore & TokenStore & Pick<SubStores, 'grants'>;
  clock: Clock;
  failures: FailureLimiter;
  /** `SWITCHBOARD_BASE_DOMAIN`: a Host under it names the account whose clients it takes. */
  baseDomain: string | undefined;
}

/** One grant type: what it does with a token request. */
export type GrantHandler = (
  request: FastifyRequest<{ Body: TokenRequest | undefined }>,
  reply: FastifyReply,
) => Promise<object>;
