import assert from 'node:assert/strict';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { Translations } from '../../src/i18n/translator';

/**
 * When nothing fits, the answer ends "…or choose “Talk to a person”": the words it quotes must be
 * the button's own label in that language, or the customer looks for a button that is not there.
 */
describe('the fallback names the "talk to a person" button as it is labelled', () => {
  for (const locale of SHIPPED_LOCALES) {
    it(locale, async () => {
      const t = (await Translations.load()).for(locale);
      assert.ok(t.t('bot.fallback').includes(t.t('menu.agent')), `${t.t('bot.fallback')} does not quote "${t.t('menu.agent')}"`);
    });
  }
});
