import assert from 'node:assert/strict';
import { ActionTypes, Activity, MessageFactory } from 'botbuilder';
import { availableMenu, cardSubmitData, submittedText, withActionsAsCard } from '../../../dialogs/menu';
import { welcomeActivity } from '../../../dialogs/welcome';
import { SHIPPED_LOCALES } from '../../../src/i18n/shipped-locales';
import { DialogWorld, loadWorld } from '../../dialogs/dialog-harness';
import { trainedRecognizer } from '../../support/test-app';
import { ADAPTIVE_CARD, cardButtons } from './card-assertions';

describe('cards: suggested actions as an Adaptive Card with Action.Submit', () => {
  let world: DialogWorld;
  before(async () => {
    world = await loadWorld();
  });

  for (const locale of SHIPPED_LOCALES) {
    it(`${locale}: every menu button submits { menu: id }, read back as the label typed, which the bot understands`, async () => {
      const t = world.translations.for(locale);
      const welcome = welcomeActivity(t, availableMenu());
      const carded = withActionsAsCard(welcome, t, availableMenu());
      assert.equal(carded.text, welcome.text, 'the text (listing the options) stays');
      const buttons = cardButtons(carded);
      assert.deepEqual(
        buttons.map((button) => [button.type, button.title, button.data]),
        availableMenu().map((entry) => ['Action.Submit', t.t(entry.labelKey), { menu: entry.id }]),
      );
      const recognizer = await trainedRecognizer();
      for (const [i, button] of buttons.entries()) {
        const typed = submittedText(button.data, t, availableMenu());
        assert.equal(typed, button.title);
        // A capability's label reaches its intent through the classifier; built-ins are keywords.
        const intent = availableMenu()[i].intent;
        const understood = intent ? (await recognizer.recognize(typed ?? '', locale)).intent === intent : world.interruptions.match(typed ?? '', locale) !== undefined;
        assert.ok(understood, `"${typed}" is understood when typed`);
      }
    });
  }

  it('a menu button from a card shown in English reads in Italian after the switch', () => {
    const it_ = world.translations.for('it');
    assert.equal(submittedText({ menu: 'language' }, it_, availableMenu()), it_.t('menu.language'));
  });

  it('other options (a prompt choice) submit { choice: text }', () => {
    const t = world.translations.for('en');
    const italian = t.t('languageName.it');
    const data = cardSubmitData({ type: ActionTypes.ImBack, title: italian, value: italian }, t, availableMenu());
    assert.deepEqual(data, { choice: italian });
    assert.equal(submittedText(data, t, availableMenu()), italian);
  });

  it('links stay links; a message without suggested actions is left as it is', () => {
    const t = world.translations.for('en');
    const withLink = MessageFactory.suggestedActions([{ type: ActionTypes.OpenUrl, title: 'Privacy notice', value: 'https://www.example.com/privacy' }], 'Read this');
    assert.deepEqual(cardButtons(withActionsAsCard(withLink, t, availableMenu())), [{ type: 'Action.OpenUrl', title: 'Privacy notice', url: 'https://www.example.com/privacy' }]);
    const plain: Partial<Activity> = MessageFactory.text('hello');
    assert.equal(withActionsAsCard(plain, t, availableMenu()), plain);
  });

  it('keeps attachments already there and adds the card after them', () => {
    const t = world.translations.for('en');
    const message = { ...welcomeActivity(t, availableMenu()), attachments: [{ contentType: 'image/png', contentUrl: 'https://www.example.com/x.png' }] };
    const carded = withActionsAsCard(message, t, availableMenu());
    assert.deepEqual(
      carded.attachments?.map((attachment) => attachment.contentType),
      ['image/png', ADAPTIVE_CARD],
    );
  });

  it('reads nothing from values that are not CardSubmitData', () => {
    const t = world.translations.for('en');
    for (const value of [undefined, null, 'help', 1, [], {}, { menu: 'nope' }, { menu: 1 }, { choice: '' }, { choice: 3 }, { menu: 'help', choice: 'x' }, { other: 'help' }]) {
      assert.equal(submittedText(value, t, availableMenu()), undefined, JSON.stringify(value));
    }
  });
});
