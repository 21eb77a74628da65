import { matchShippedLocale, ShippedLocale } from '../../i18n/shipped-locales';

/**
 * The shipped language the browser prefers most, from `Accept-Language` ("it-IT,it;q=0.9,en;q=0.8"
 * → "it"); `fallback` when it names none we ship. Only for the page around the chat: the chat
 * itself follows `navigator.language` and the customer's choice in the bot.
 */
export function pageLanguage(acceptLanguage: string | undefined, fallback: ShippedLocale): ShippedLocale {
  if (!acceptLanguage) return fallback;
  const ranked = acceptLanguage
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const weight = q === undefined ? 1 : Number(q.slice(2));
      return { tag: tag.trim(), weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((entry) => entry.tag !== '' && entry.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const entry of ranked) {
    const locale = matchShippedLocale(entry.tag);
    if (locale) return locale;
  }
  return fallback;
}
