import { ShippedLocale } from '../i18n/shipped-locales';

/** What the bot remembers about a person across conversations (user state; long TTL). */
export interface UserPreferences {
  /** The language the customer explicitly chose; wins over the channel's locale. */
  locale?: ShippedLocale;
}

/** Bookkeeping of one conversation (conversation state; short sliding TTL). */
export interface ConversationBookkeeping {
  /** Turns committed in this conversation. */
  turnCount: number;
  /** Ids of the latest activities processed, newest last: a redelivery is recognised and skipped. */
  processedActivityIds: string[];
}
