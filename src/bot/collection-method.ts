import type { CollectionMethod } from '../ledger/consent/consent-types';

/** How the ledger names the channel a customer made a choice on: Teams, or our web chat (Web Chat, Direct Line, the emulator). */
export function collectionMethodOf(channelId: string): CollectionMethod {
  return channelId === 'msteams' ? 'teams' : 'web_chat';
}
