import type { ChannelbackContext } from '../channels/channelback/channelback-context.js';
import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';

/** What the console's pages call: the same store and feature functions as the API routes. */
export interface ConsoleContext {
  store: Store;
  clock: Clock;
  /** `SWITCHBOARD_MAX_CONFIG_BYTES`: the API's limit applies to console edits alike. */
  maxConfigBytes: number;
  /** The Channel-framework host's context, as its API routes get it. */
  channel: ChannelbackContext;
  /** Tells the API's credential cache that a bearer token was revoked. */
  onTokenRevoked: (tokenId: number) => void;
}
