import { readFileSync } from 'node:fs';
import path from 'node:path';
import i18next, { i18n as I18nInstance } from 'i18next';
import { LOCALES_DIR } from '../paths';
import { ShippedLocale, SHIPPED_LOCALES } from './shipped-locales';

/** What the bot says, in one language. Keys are paths in `locales/<lang>/messages.json`. */
export interface Translator {
  readonly locale: ShippedLocale;
  t(key: string, vars?: Record<string, unknown>): string;
  /** A list value (e.g. menu labels, keyword lists); empty when the key holds none. */
  list(key: string): string[];
}

/** Texts remembered per language: far more than the catalogs hold, a bound should a key ever come from outside. */
const REMEMBERED_TEXTS = 5000;

export type MessageCatalog = Record<string, unknown>;

/** One catalog file of a language: `messages.json` (the bot's), `console.json` (the agent console's). */
export function readCatalog(locale: string, file: string, dir = LOCALES_DIR): MessageCatalog {
  return JSON.parse(readFileSync(path.join(dir, locale, file), 'utf8')) as MessageCatalog;
}

export function readMessageCatalog(locale: string, dir = LOCALES_DIR): MessageCatalog {
  return readCatalog(locale, 'messages.json', dir);
}

/**
 * An i18next instance over one catalog per language in namespace `namespace`, as every catalog of
 * ours is read: English underneath, no HTML escaping (texts go to chat, not HTML), synchronous.
 */
export async function createCatalogInstance(catalogs: Readonly<Record<string, MessageCatalog>>, namespace: string): Promise<I18nInstance> {
  const resources = Object.fromEntries(Object.entries(catalogs).map(([locale, catalog]) => [locale, { [namespace]: catalog }]));
  const instance = i18next.createInstance();
  await instance.init({
    resources,
    ns: [namespace],
    defaultNS: namespace,
    lng: 'en',
    fallbackLng: 'en',
    supportedLngs: [...SHIPPED_LOCALES],
    interpolation: { escapeValue: false },
    returnNull: false,
    initImmediate: false,
  });
  return instance;
}

/**
 * Loads every shipped language once at start and hands out translators. A key missing in a
 * language falls back to English rather than showing the key (the locale completeness test
 * makes sure that never ships).
 */
export class Translations {
  private readonly instance: I18nInstance;
  private readonly translators = new Map<ShippedLocale, Translator>();

  private constructor(instance: I18nInstance) {
    this.instance = instance;
    for (const locale of SHIPPED_LOCALES) {
      const fixed = instance.getFixedT(locale);
      // The catalogs never change after loading: a text without variables (a label, a list) is looked up once.
      const plain = new Map<string, string>();
      const lists = new Map<string, readonly string[]>();
      this.translators.set(locale, {
        locale,
        t: (key, vars) => {
          if (vars !== undefined) return fixed(key, { ...vars, lng: locale }) as string;
          let text = plain.get(key);
          if (text === undefined) {
            text = fixed(key, { lng: locale }) as string;
            if (plain.size < REMEMBERED_TEXTS) plain.set(key, text);
          }
          return text;
        },
        list: (key) => {
          let list = lists.get(key);
          if (list === undefined) {
            const value = fixed(key, { returnObjects: true, lng: locale }) as unknown;
            list = Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
            if (lists.size < REMEMBERED_TEXTS) lists.set(key, list);
          }
          return [...list];
        },
      });
    }
  }

  static async load(dir = LOCALES_DIR): Promise<Translations> {
    const catalogs: Record<string, MessageCatalog> = {};
    for (const locale of SHIPPED_LOCALES) catalogs[locale] = readMessageCatalog(locale, dir);
    return new Translations(await createCatalogInstance(catalogs, 'translation'));
  }

  for(locale: ShippedLocale): Translator {
    const translator = this.translators.get(locale);
    if (!translator) throw new Error(`no translator for ${locale}`);
    return translator;
  }
}
