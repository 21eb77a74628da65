import type { ClientAddressOf } from '../../server/client-address';
import type { DirectLineChannel } from '../directline/create-direct-line';
import type { DirectLineConfig } from '../directline/direct-line-config';
import type { TokenLimits } from './token-route';

/**
 * The token route's per-address limits on the Direct Line channel's backend (Redis when
 * `REDIS_URL` is set, so several instances share the counts). Conversations are counted in a window
 * as long as a conversation's lifetime: an address cannot hold more than the cap open at once.
 */
export function webChatTokenLimits(
  channel: Pick<DirectLineChannel, 'limiter'>,
  config: Pick<DirectLineConfig, 'webChatTokenLimit' | 'webChatTokenWindowSeconds' | 'webChatMaxConversationsPerAddress' | 'conversationTtlSeconds'>,
  clientAddress: ClientAddressOf,
): TokenLimits {
  return {
    tokens: channel.limiter('webchat:tokens', { limit: config.webChatTokenLimit, windowMs: config.webChatTokenWindowSeconds * 1000 }),
    conversations: channel.limiter('webchat:conversations', { limit: config.webChatMaxConversationsPerAddress, windowMs: config.conversationTtlSeconds * 1000 }),
    clientAddress,
  };
}
