import type { DirectLineChannel } from '../directline/create-direct-line';
import { WebChatTokenIssuer } from './token-route';

/**
 * The page's tokens from our own Direct Line channel, minted in-process (no HTTP round trip, no
 * secret in transit). The token carries the browser's language, so the welcome is in it, and the
 * GPC flag, so the `conversationUpdate` that starts the conversation has `channelData.gpc` too,
 * and the customer the company's site signed in, so every turn of the conversation carries them.
 */
export function directLineTokenIssuer(channel: Pick<DirectLineChannel, 'issueToken'>): WebChatTokenIssuer {
  return async (request) => {
    const issued = channel.issueToken({ locale: request.locale, ...(request.gpc ? { channelData: { gpc: true } } : {}), ...(request.signedIn ? { signedIn: request.signedIn } : {}) });
    return { token: issued.token, conversationId: issued.conversationId, expiresIn: issued.expires_in };
  };
}
