import type { Translator } from '../../i18n/translator';
import type { Channel, PurposeCatalog } from '../../ledger/purposes/purpose-catalog';
import type { ConsentPair } from './consent-scope';

/**
 * How purposes, channels and scopes read in the customer's language: one wording for the chat, the
 * notice sent to the contact on file and the receipt page, so the three never disagree. Words come
 * from `locales/<lang>/messages.json` (`consent.channel.*`, `consent.scope.*`) and the catalog's labels
 * (standing alone) and phrases (inside a sentence).
 */

/** A purpose's label in the customer's language (the catalog carries one per shipped language). */
export function purposeLabel(catalog: PurposeCatalog, purposeId: string, translator: Translator): string {
  const purpose = catalog.get(purposeId);
  return purpose?.text[translator.locale]?.label ?? purpose?.text.en?.label ?? purposeId;
}

/**
 * A purpose inside a sentence, as the object of "stop" / "receive" ("our newsletter", "la nostra
 * newsletter"): the catalog's `phrase`, else its label in lower case. Headings, buttons and card titles
 * use {@link purposeLabel}.
 */
export function purposePhrase(catalog: PurposeCatalog, purposeId: string, translator: Translator): string {
  const purpose = catalog.get(purposeId);
  const own = purpose?.text[translator.locale];
  if (own) return own.phrase ?? inSentence(own.label);
  const english = purpose?.text.en;
  return english?.phrase ?? (english ? inSentence(english.label) : purposeId);
}

export function purposeDescription(catalog: PurposeCatalog, purposeId: string, translator: Translator): string {
  const purpose = catalog.get(purposeId);
  return purpose?.text[translator.locale]?.description ?? purpose?.text.en?.description ?? '';
}

export function channelName(channel: Channel, translator: Translator): string {
  return translator.t(`consent.channel.${channel}`);
}

/** "SMS, email and post" in the customer's language. */
export function listOf(items: readonly string[], translator: Translator): string {
  return new Intl.ListFormat(translator.locale, { style: 'long', type: 'conjunction' }).format(items);
}

/** A label inside a sentence: "Offers and promotions" → "offers and promotions" (acronyms such as "SMS" stay). */
export function inSentence(label: string): string {
  return /^\p{Lu}\p{Ll}/u.test(label) ? label.charAt(0).toLocaleLowerCase() + label.slice(1) : label;
}

/** "offers and promotions by SMS and email, and our newsletter by email": pairs grouped per purpose, in catalog order. */
export function scopeText(pairs: readonly ConsentPair[], catalog: PurposeCatalog, translator: Translator): string {
  const groups = catalog.purposes
    .map((purpose) => ({ purpose, channels: pairs.filter((pair) => pair.purposeId === purpose.id).map((pair) => pair.channel) }))
    .filter((group) => group.channels.length > 0)
    .map((group) =>
      translator.t('consent.scope.purposeByChannels', {
        purpose: purposePhrase(catalog, group.purpose.id, translator),
        channels: listOf(
          group.channels.map((channel) => channelName(channel, translator)),
          translator,
        ),
      }),
    );
  return listOf(groups, translator);
}
