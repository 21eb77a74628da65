import type { CollectionMethod } from '../ledger/consent/consent-types';

/** How the ledger names the channel a customer made a choice on: Teams, or our web chat (Web Chat, Direct Line, the emulator). */
export function collectionMethodOf(channelId: string): CollectionMethod {
  return channelId === 'msteams' ? 'teams' : 'web_chat';
}

/** The channel a request is recorded as made on: "msteams", or "webchat" for our web chat (Web Chat, Direct Line, the emulator). */
export function requestChannelOf(channelId: string): 'msteams' | 'webchat' {
  return collectionMethodOf(channelId) === 'teams' ? 'msteams' : 'webchat';
}
