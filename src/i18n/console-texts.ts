import type { i18n as I18nInstance } from 'i18next';
import { LOCALES_DIR } from '../paths';
import { ShippedLocale, SHIPPED_LOCALES } from './shipped-locales';
import { createCatalogInstance, MessageCatalog, readCatalog } from './translator';

/** The agent console's catalog in each language: `locales/<lang>/console.json` (staff texts, apart from the bot's `messages.json`). */
export const CONSOLE_CATALOG_FILE = 'console.json';

export function readConsoleCatalog(locale: string, dir = LOCALES_DIR): MessageCatalog {
  return readCatalog(locale, CONSOLE_CATALOG_FILE, dir);
}

/** What the console says, in one language. Keys are paths in `console.json`. */
export interface ConsoleTranslator {
  readonly locale: ShippedLocale;
  t(key: string, vars?: Record<string, unknown>): string;
  /** True when the key holds a text in this language or in English. */
  has(key: string): boolean;
}

function isCatalog(value: unknown): value is MessageCatalog {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `over` laid on `base`, key by key: what a language lacks reads as English. */
function layered(base: MessageCatalog, over: MessageCatalog): MessageCatalog {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const under = merged[key];
    merged[key] = isCatalog(under) && isCatalog(value) ? layered(under, value) : value;
  }
  return merged;
}

/**
 * The agent console's texts in every shipped language, loaded once at start like the bot's
 * (`Translations`): i18next in the `console` namespace, `{{placeholders}}`, `_one`/`_other` plurals.
 * The server fills the page with them; the page's scripts get the catalog of their language whole
 * (`catalog`), English beneath it, so a key missing in a language reads as English, never as the key.
 */
export class ConsoleTexts {
  private readonly translators = new Map<ShippedLocale, ConsoleTranslator>();
  private readonly catalogs = new Map<ShippedLocale, MessageCatalog>();

  private constructor(instance: I18nInstance, raw: Readonly<Record<string, MessageCatalog>>) {
    for (const locale of SHIPPED_LOCALES) {
      const fixed = instance.getFixedT(locale, 'console');
      this.translators.set(locale, {
        locale,
        t: (key, vars) => fixed(key, { ...vars, lng: locale }) as string,
        has: (key) => instance.exists(key, { lng: locale, ns: 'console' }),
      });
      this.catalogs.set(locale, locale === 'en' ? raw.en : layered(raw.en, raw[locale]));
    }
  }

  static async load(dir = LOCALES_DIR): Promise<ConsoleTexts> {
    const raw: Record<string, MessageCatalog> = {};
    for (const locale of new Set<string>(['en', ...SHIPPED_LOCALES])) raw[locale] = readConsoleCatalog(locale, dir);
    const instance = await createCatalogInstance(raw, 'console');
    return new ConsoleTexts(instance, raw);
  }

  for(locale: ShippedLocale): ConsoleTranslator {
    const translator = this.translators.get(locale);
    if (!translator) throw new Error(`no console texts for ${locale}`);
    return translator;
  }

  /** The whole catalog of `locale`, English beneath it: what the page's scripts read their texts from. */
  catalog(locale: ShippedLocale): MessageCatalog {
    const catalog = this.catalogs.get(locale);
    if (!catalog) throw new Error(`no console texts for ${locale}`);
    return catalog;
  }
}
