import type { ReplyStore } from '../../store/reply-store.js';
import type { ChannelContext } from '../channel-context.js';

/** What the reply, report_error and clickthrough routes need beyond every channel route's context. */
export interface ChannelbackContext extends ChannelContext {
  replies: ReplyStore;
  /** Development mode lets file URLs use http to loopback. */
  mode: 'development' | 'production';
  /** Tells this node's reply sender a reply is waiting. */
  kickSender: () => void;
}
