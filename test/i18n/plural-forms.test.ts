import assert from 'node:assert/strict';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { MessageCatalog, readMessageCatalog } from '../../src/i18n/translator';
import { readConsoleCatalog } from '../../src/i18n/console-texts';

const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

/** Every dotted key of a catalog. */
function keys(catalog: MessageCatalog, prefix = ''): string[] {
  return Object.entries(catalog).flatMap(([name, value]) => {
    const key = prefix ? `${prefix}.${name}` : name;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? keys(value as MessageCatalog, key) : [key];
  });
}

/**
 * i18next picks a plural form with Intl.PluralRules: a language whose rules have a form its
 * catalog lacks (Italian, French, Spanish and Portuguese have "many" for 1,000,000) would fall
 * back to English for those counts. Every plural key has every form its language uses.
 */
describe('plural forms', () => {
  for (const locale of SHIPPED_LOCALES) {
    const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
    for (const [name, catalog] of [
      ['messages.json', readMessageCatalog(locale)],
      ['console.json', readConsoleCatalog(locale)],
    ] as const) {
      it(`${locale} ${name}: every plural key has the forms ${categories.join(', ')}`, () => {
        const all = new Set(keys(catalog));
        const bases = new Set([...all].filter((key) => PLURAL_SUFFIX.test(key)).map((key) => key.replace(PLURAL_SUFFIX, '')));
        const missing = [...bases].flatMap((base) => categories.filter((category) => !all.has(`${base}_${category}`)).map((category) => `${base}_${category}`));
        assert.deepEqual(missing, []);
      });
    }
  }
});
