import { SHIPPED_LOCALES } from '../i18n/shipped-locales';
import type { DataCategory } from '../privacy/access/access-types';
import { PhraseMatcher } from './phrase-matcher';

/**
 * Which categories of personal data a message names ("a copy of my orders", "i miei ordini"):
 * each category's label and synonyms in the customer's language, as whole words, case, accents
 * and punctuation aside (see `PhraseMatcher`). Built once at start from the configured categories;
 * one phrase under two categories is a configuration error and throws, naming both.
 */
export class DataCategoryRecognizer {
  private readonly matchers = new Map<string, PhraseMatcher>();
  private readonly order: ReadonlyMap<string, number>;

  constructor(categories: readonly DataCategory[]) {
    this.order = new Map(categories.map((category, index) => [category.id, index]));
    for (const locale of SHIPPED_LOCALES) {
      const lists: Record<string, string[]> = {};
      for (const category of categories) {
        const label = category.label[locale];
        lists[category.id] = [...(label ? [label] : []), ...(category.synonyms?.[locale] ?? [])];
      }
      this.matchers.set(locale, new PhraseMatcher(`data categories (${locale})`, lists));
    }
  }

  /** The ids of the categories named, in configuration order, each once; none named → []. */
  recognize(text: string, locale: string): string[] {
    const found = new Set(this.matchers.get(locale)?.find(text) ?? []);
    return [...found].sort((a, b) => (this.order.get(a) ?? 0) - (this.order.get(b) ?? 0));
  }
}
