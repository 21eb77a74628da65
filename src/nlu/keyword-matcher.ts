import { SHIPPED_LOCALES } from '../i18n/shipped-locales';
import { IntentCorpus } from './corpus';
import { InterruptionMatcher, InterruptionName, INTERRUPTION_NAMES } from './intents';
import { normalizeText } from './normalize-text';

/**
 * Interruption keywords of every shipped language, normalised into one lookup per language.
 * A keyword of another shipped language also matches ("help" in an Italian chat), so a
 * customer stuck in the wrong language can always get out.
 */
export class KeywordInterruptionMatcher implements InterruptionMatcher {
  private readonly byLocale = new Map<string, Map<string, InterruptionName>>();
  private readonly anyLocale = new Map<string, InterruptionName>();

  constructor(corpora: Readonly<Record<string, IntentCorpus>>) {
    for (const [locale, corpus] of Object.entries(corpora)) {
      const table = new Map<string, InterruptionName>();
      for (const name of INTERRUPTION_NAMES) {
        for (const phrase of corpus.keywords[name]) {
          const key = normalizeText(phrase);
          table.set(key, name);
          if (!this.anyLocale.has(key)) this.anyLocale.set(key, name);
        }
      }
      this.byLocale.set(locale, table);
    }
    if (this.byLocale.size === 0) throw new Error(`no keyword lists loaded (expected ${SHIPPED_LOCALES.join(', ')})`);
  }

  match(text: string, locale: string): InterruptionName | undefined {
    const key = normalizeText(text);
    if (key === '') return undefined;
    return this.byLocale.get(locale)?.get(key) ?? this.anyLocale.get(key);
  }
}
