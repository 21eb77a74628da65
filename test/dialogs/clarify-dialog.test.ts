import assert from 'node:assert/strict';
import { Activity } from 'botbuilder';
import { DialogInstance } from 'botbuilder-dialogs';
import { DialogTestClient } from 'botbuilder-testing';
import { DialogIds } from '../../dialogs/dialog-ids';
import { MainDialog } from '../../dialogs/main-dialog';
import { availableMenu } from '../../dialogs/menu';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { Translator } from '../../src/i18n/translator';
import { IntentRecognizer, IntentResult } from '../../src/nlu/intents';
import { ACTIVITY_LOCALE, DialogWorld, MemoryPreferences, actionTitles, loadWorld, localeMiddleware } from './dialog-harness';
import { featureDialogs } from './feature-dialogs';

/** What the fake classifier says for a message it was not given: nothing. */
const NOTHING: IntentResult = { intent: 'none', score: 1 };
const AMBIGUOUS = '<between check and withdraw>';
/** As the linear recognizer answers when two intents are close and neither is sure. */
const CLOSE: IntentResult = { intent: 'consent.check', score: 0.45, clarify: ['consent.check', 'consent.revoke'] };

/** A classifier that answers exactly the results it is given, clarify and all. */
class TableRecognizer implements IntentRecognizer {
  constructor(private readonly table: ReadonlyMap<string, IntentResult>) {}

  async recognize(text: string): Promise<IntentResult> {
    return this.table.get(text) ?? NOTHING;
  }
}

/** The ids of every dialog running, the nested ones of component dialogs included. */
function runningDialogs(stack: readonly DialogInstance[]): string[] {
  return stack.flatMap((instance) => {
    const inner = (instance.state as { dialogs?: { dialogStack?: DialogInstance[] } } | undefined)?.dialogs?.dialogStack ?? [];
    return [instance.id, ...runningDialogs(inner)];
  });
}

/** The real MainDialog and feature dialogs, the real keyword matcher, and a table for the classifier. */
class Conversation {
  private readonly client: DialogTestClient;

  constructor(
    world: DialogWorld,
    private readonly channelLocale: string,
    table: ReadonlyMap<string, IntentResult>,
  ) {
    const preferences = new MemoryPreferences();
    const dialog = new MainDialog({
      recognizer: new TableRecognizer(table),
      interruptions: world.interruptions,
      translations: world.translations,
      preferences,
      menu: availableMenu(),
      dialogs: featureDialogs().dialogs,
    });
    this.client = new DialogTestClient('test', dialog, undefined, [localeMiddleware(world.translations, preferences)]);
  }

  async say(text: string): Promise<Partial<Activity>[]> {
    const replies: Partial<Activity>[] = [];
    let reply = (await this.client.sendActivity({ type: 'message', text, locale: this.channelLocale })) as Partial<Activity> | undefined;
    while (reply) {
      replies.push(reply);
      reply = this.client.getNextReply() as Partial<Activity> | undefined;
    }
    return replies;
  }

  get running(): string[] {
    return runningDialogs(this.client.dialogContext.stack);
  }
}

/** The classifier's table in a language: the ambiguous message, and each menu label as its own intent (as the real model reads them). */
function tableFor(t: Translator): Map<string, IntentResult> {
  const table = new Map<string, IntentResult>([[AMBIGUOUS, CLOSE]]);
  for (const entry of availableMenu()) if (entry.intent) table.set(t.t(entry.labelKey), { intent: entry.intent, score: 1 });
  return table;
}

const CHOICES = [
  { labelKey: 'menu.consentCheck', dialogId: DialogIds.consentCheck },
  { labelKey: 'menu.consentChange', dialogId: DialogIds.consentWithdraw },
] as const;

for (const locale of SHIPPED_LOCALES) {
  describe(`MainDialog asks which of two close intents was meant, in ${locale}`, () => {
    let world: DialogWorld;
    let t: Translator;
    before(async () => {
      world = await loadWorld();
      t = world.translations.for(locale);
    });

    it('a message close between "check" and "withdraw" gets clarify.ask naming both, with their menu labels as buttons, and no fallback', async () => {
      const conversation = new Conversation(world, ACTIVITY_LOCALE[locale], tableFor(t));
      const replies = await conversation.say(AMBIGUOUS);
      assert.equal(replies.length, 1, JSON.stringify(replies.map((reply) => reply.text)));
      assert.equal(replies[0].text, t.t('clarify.ask', { first: t.t('clarify.option.consentCheck'), second: t.t('clarify.option.consentChange') }));
      assert.deepEqual(actionTitles(replies[0]), [t.t('menu.consentCheck'), t.t('menu.consentChange')]);
      assert.deepEqual(conversation.running, [], 'nothing waits: a click is read like the menu entry itself');
    });

    for (const { labelKey, dialogId } of CHOICES) {
      it(`clicking "${labelKey}" starts that flow (who are you?)`, async () => {
        const conversation = new Conversation(world, ACTIVITY_LOCALE[locale], tableFor(t));
        await conversation.say(AMBIGUOUS);
        const replies = await conversation.say(t.t(labelKey));
        assert.deepEqual(
          replies.map((reply) => reply.text),
          [t.t('identity.prompt')],
        );
        assert.ok(conversation.running.includes(dialogId), `${dialogId} runs: ${conversation.running.join(' > ')}`);
        const other = CHOICES.find((choice) => choice.dialogId !== dialogId)?.dialogId ?? '';
        assert.ok(!conversation.running.includes(other), `${other} does not`);
      });
    }

    it('a close pair where one intent has no dialog of its own ("help") is not asked about: the best intent is served', async () => {
      const table = tableFor(t);
      table.set(AMBIGUOUS, { intent: 'consent.check', score: 0.5, clarify: ['consent.check', 'help'] });
      const conversation = new Conversation(world, ACTIVITY_LOCALE[locale], table);
      assert.deepEqual(
        (await conversation.say(AMBIGUOUS)).map((reply) => reply.text),
        [t.t('identity.prompt')],
      );
      assert.ok(conversation.running.includes(DialogIds.consentCheck), conversation.running.join(' > '));
    });
  });
}
