/** Languages the bot ships complete: every key of `locales/en/messages.json` exists in each. */
export const SHIPPED_LOCALES = ['en', 'it', 'de', 'fr', 'es', 'pt', 'nl'] as const;
export type ShippedLocale = (typeof SHIPPED_LOCALES)[number];

export function isShippedLocale(value: unknown): value is ShippedLocale {
  return typeof value === 'string' && (SHIPPED_LOCALES as readonly string[]).includes(value);
}

/**
 * The shipped language a BCP-47 tag asks for ("it-IT" → "it"), or undefined when we do not
 * ship it. Case and region are ignored: channels send "en-us", "en-US", "it_IT".
 */
export function matchShippedLocale(tag: string | undefined | null): ShippedLocale | undefined {
  if (typeof tag !== 'string') return undefined;
  const language = tag.trim().toLowerCase().split(/[-_]/)[0];
  return isShippedLocale(language) ? language : undefined;
}

/**
 * The customer's language for this turn: their explicit choice, else what the channel says,
 * else the configured default.
 */
export function resolveLocale(choice: string | undefined, activityLocale: string | undefined, defaultLocale: ShippedLocale): ShippedLocale {
  return matchShippedLocale(choice) ?? matchShippedLocale(activityLocale) ?? defaultLocale;
}
