import assert from 'node:assert/strict';
import { CASE_REFERENCE_ROUTE } from '../../dialogs/case-status-dialog';
import { MainDialog, MainDialogDeps } from '../../dialogs/main-dialog';
import { MENU_REGISTRY, MenuEntry, MenuEntryId, availableMenu, menuActivity } from '../../dialogs/menu';
import { welcomeActivity } from '../../dialogs/welcome';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { quotedPhrases } from '../support/quoted-phrases';
import { DialogWorld, FakeRecognizer, MemoryPreferences, actionTitles, loadWorld } from './dialog-harness';
import { featureDialogs } from './feature-dialogs';

const AVAILABLE_IDS = ['consent.check', 'consent.revoke', 'consent.give', 'consent.optOutSale', 'data.copy', 'concern.report', 'case.status', 'agent.request', 'language', 'help'];

describe('menu registry', () => {
  let world: DialogWorld;
  before(async () => {
    world = await loadWorld();
  });

  it('offers only real capabilities, in registry order', () => {
    assert.deepEqual(
      availableMenu().map((entry) => entry.id),
      AVAILABLE_IDS,
    );
  });

  it('has unique ids and a label in every shipped language', () => {
    assert.equal(new Set(MENU_REGISTRY.map((entry) => entry.id)).size, MENU_REGISTRY.length);
    for (const locale of SHIPPED_LOCALES) {
      const t = world.translations.for(locale);
      for (const entry of MENU_REGISTRY) assert.notEqual(t.t(entry.labelKey), entry.labelKey, `${locale}: ${entry.labelKey} has no text`);
    }
  });

  it('the labels of keyword-driven entries are keywords: typing a label works like clicking it', () => {
    const expected: Partial<Record<MenuEntry['id'], string>> = { language: 'language', help: 'help' };
    for (const locale of SHIPPED_LOCALES) {
      for (const [id, interruption] of Object.entries(expected)) {
        const entry = MENU_REGISTRY.find((candidate) => candidate.id === id);
        assert.ok(entry);
        const label = world.translations.for(locale).t(entry.labelKey);
        assert.equal(world.interruptions.match(label, locale), interruption, `${locale} label "${label}"`);
      }
    }
  });

  it('the keywords help quotes ("cancel", "language") really interrupt', () => {
    for (const locale of SHIPPED_LOCALES) {
      const quoted = quotedPhrases(world.translations.for(locale).t('help.howTo'), locale);
      assert.equal(quoted.length, 2, `${locale} help.howTo quotes two keywords`);
      assert.deepEqual(
        quoted.map((word) => world.interruptions.match(word, locale)),
        ['cancel', 'language'],
        `${locale}: ${quoted.join(', ')}`,
      );
    }
  });

  it('MainDialog refuses a shown entry whose dialog it does not have', () => {
    // A capability the bot does not have (every real entry is served by now).
    const orphan: MenuEntry = { id: 'data.erase' as MenuEntryId, labelKey: 'menu.dataErase', intent: 'none', dialogId: 'data.erase', available: true };
    const build = (menu: readonly MenuEntry[], textRoutes?: MainDialogDeps['textRoutes']) =>
      new MainDialog({ recognizer: new FakeRecognizer(), interruptions: world.interruptions, translations: world.translations, preferences: new MemoryPreferences(), menu, dialogs: featureDialogs().dialogs, textRoutes });
    assert.throws(() => build([orphan]), /data\.erase/);
    assert.throws(() => build([{ ...orphan, dialogId: undefined }]), /names no dialog/);
    assert.throws(() => build([...availableMenu(), { ...orphan, available: false }]), /not available/);
    assert.throws(() => build(availableMenu(), [{ dialogId: 'data.erase', matches: () => true }]), /text route names dialog "data\.erase"/);
    assert.doesNotThrow(() => build(availableMenu()));
    assert.doesNotThrow(() => build(availableMenu(), [CASE_REFERENCE_ROUTE]));
  });
});

for (const locale of SHIPPED_LOCALES) {
  describe(`welcome and menu in ${locale}`, () => {
    let world: DialogWorld;
    before(async () => {
      world = await loadWorld();
    });

    it('the welcome introduces the bot and offers the available menu only', () => {
      const t = world.translations.for(locale);
      const welcome = welcomeActivity(t, availableMenu());
      const shown = availableMenu().map((entry) => t.t(entry.labelKey));
      assert.ok(welcome.text?.startsWith(t.t('bot.welcome')), welcome.text);
      assert.ok(welcome.text?.includes(t.t('menu.prompt')));
      assert.deepEqual(actionTitles(welcome), shown);
      assert.deepEqual(
        welcome.suggestedActions?.actions.map((action) => [action.type, action.value]),
        shown.map((label) => ['imBack', label]),
      );
      for (const label of shown) assert.ok(welcome.text?.includes(`- ${label}`), `the text lists "${label}" for channels without buttons`);
      for (const entry of MENU_REGISTRY.filter((candidate) => !candidate.available)) {
        assert.ok(!welcome.text?.includes(t.t(entry.labelKey)), `"${entry.id}" is not real yet and must not be offered`);
      }
    });

    it('a menu lead replaces the default question', () => {
      const t = world.translations.for(locale);
      assert.ok(menuActivity(t, availableMenu()).text?.startsWith(t.t('menu.prompt')));
      assert.ok(menuActivity(t, availableMenu(), t.t('bot.fallback')).text?.startsWith(t.t('bot.fallback')));
    });
  });
}
