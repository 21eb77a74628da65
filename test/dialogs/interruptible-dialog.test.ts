import assert from 'node:assert/strict';
import { Activity } from 'botbuilder';
import { DialogTurnResult, DialogTurnStatus, TextPrompt, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { DialogTestClient } from 'botbuilder-testing';
import { InterruptibleDialog } from '../../dialogs/interruptible-dialog';
import { availableMenu } from '../../dialogs/menu';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { Translator } from '../../src/i18n/translator';
import { turnTranslator } from '../../src/bot/turn-locale';
import { ACTIVITY_LOCALE, DialogWorld, MemoryPreferences, actionTitles, keyword, loadWorld, localeMiddleware } from './dialog-harness';

/** The smallest interruptible dialog: one question, then it echoes the answer's length. Has no language dialog. */
class OneQuestionDialog extends InterruptibleDialog {
  constructor(world: DialogWorld) {
    super('oneQuestion', { interruptions: world.interruptions, menu: availableMenu() });
    this.addDialog(new TextPrompt('question'));
    this.addDialog(new WaterfallDialog('oneQuestion.waterfall', [this.askStep.bind(this), this.doneStep.bind(this)]));
    this.initialDialogId = 'oneQuestion.waterfall';
  }

  /** Asks (any translated sentence will do as the question). */
  private async askStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.prompt('question', { prompt: turnTranslator(step.context).t('menu.prompt') });
  }

  /** Ends with the answer. */
  private async doneStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.endDialog(step.result);
  }
}

for (const locale of SHIPPED_LOCALES) {
  describe(`InterruptibleDialog in ${locale}`, () => {
    let world: DialogWorld;
    let t: Translator;
    let client: DialogTestClient;
    const say = async (text: string): Promise<Partial<Activity>[]> => {
      const replies: Partial<Activity>[] = [];
      let reply = (await client.sendActivity({ type: 'message', text, locale: ACTIVITY_LOCALE[locale] })) as Partial<Activity> | undefined;
      while (reply) {
        replies.push(reply);
        reply = client.getNextReply() as Partial<Activity> | undefined;
      }
      return replies;
    };

    before(async () => {
      world = await loadWorld();
      t = world.translations.for(locale);
    });
    beforeEach(async () => {
      client = new DialogTestClient('test', new OneQuestionDialog(world), undefined, [localeMiddleware(world.translations, new MemoryPreferences())]);
      assert.deepEqual((await say('hello')).map((r) => r.text), [t.t('menu.prompt')]);
    });

    it('help answers, then asks the waiting question again', async () => {
      const replies = await say(keyword(world, locale, 'help'));
      assert.equal(replies.length, 2);
      assert.ok(replies[0].text?.includes(t.t('help.intro')) && replies[0].text.includes(t.t('help.resume')));
      assert.equal(replies[1].text, t.t('menu.prompt'));
      assert.equal(client.dialogTurnResult.status, DialogTurnStatus.waiting);
    });

    it('cancel ends the dialog with the menu', async () => {
      const replies = await say(keyword(world, locale, 'cancel'));
      assert.equal(replies.length, 1);
      assert.ok(replies[0].text?.startsWith(t.t('cancel.done')));
      assert.deepEqual(actionTitles(replies[0]), availableMenu().map((entry) => t.t(entry.labelKey)));
      assert.notEqual(client.dialogTurnResult.status, DialogTurnStatus.waiting);
    });

    it('without a language dialog, "language" is an ordinary answer', async () => {
      const word = keyword(world, locale, 'language');
      assert.deepEqual(await say(word), []);
      assert.equal(client.dialogTurnResult.status, DialogTurnStatus.complete);
      assert.equal(client.dialogTurnResult.result, word);
    });

    it('anything else goes to the waiting prompt', async () => {
      assert.deepEqual(await say('blorp'), []);
      assert.equal(client.dialogTurnResult.result, 'blorp');
    });
  });
}
