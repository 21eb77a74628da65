import assert from 'node:assert/strict';
import { availableMenu } from '../../dialogs/menu';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { Translations } from '../../src/i18n/translator';
import { trainedRecognizer } from '../support/test-app';

describe('menu buttons send their label: the real classifier reads each label as its entry’s intent', function () {
  this.timeout(120_000);

  for (const locale of SHIPPED_LOCALES) {
    it(locale, async () => {
      const [translations, recognizer] = await Promise.all([Translations.load(), trainedRecognizer()]);
      const t = translations.for(locale);
      for (const entry of availableMenu().filter((candidate) => candidate.intent !== undefined)) {
        const label = t.t(entry.labelKey);
        assert.equal((await recognizer.recognize(label, locale)).intent, entry.intent, `${locale} "${label}"`);
      }
    });
  }
});
