import assert from 'node:assert/strict';
import { Activity } from 'botbuilder';
import { availableMenu } from '../../dialogs/menu';
import { SHIPPED_LOCALES, ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translations, Translator } from '../../src/i18n/translator';
import { readIntentCorpus } from '../../src/nlu/corpus';
import { IntentRecognizer } from '../../src/nlu/intents';
import { ACTIVITY_LOCALE } from '../dialogs/dialog-harness';
import { conversationUpdateActivity, messageActivity, postActivity, PostResult, RunningApp, startTestApp, trainedRecognizer, uniqueConversationId } from '../support/test-app';

/** A customer on an HTTP channel (expectReplies) whose client says `locale`. */
class Customer {
  readonly conversationId: string;

  constructor(
    private readonly baseUrl: string,
    private readonly channelLocale: string,
    label: string,
  ) {
    this.conversationId = uniqueConversationId(label);
  }

  async open(): Promise<void> {
    const result = await postActivity(this.baseUrl, conversationUpdateActivity(this.conversationId, { locale: this.channelLocale }));
    assert.equal(result.status, 200);
  }

  async say(text: string): Promise<PostResult> {
    const result = await postActivity(this.baseUrl, messageActivity(this.conversationId, text, { locale: this.channelLocale }));
    assert.equal(result.status, 200, `the bot answered ${result.status}: ${JSON.stringify(result.body)}`);
    return result;
  }
}

const titles = (reply: Partial<Activity> | undefined): string[] => reply?.suggestedActions?.actions.map((action) => action.title) ?? [];
const menuLabels = (t: Translator): string[] => availableMenu().map((entry) => t.t(entry.labelKey));

/** Messages in languages we do not ship ("I want to withdraw my consent to marketing"), and the session they arrive in. */
const UNSUPPORTED: ReadonlyArray<{ language: string; text: string; session: ShippedLocale }> = [
  { language: 'Polish', text: 'Chcę wycofać moją zgodę na marketing', session: 'en' },
  { language: 'Swedish', text: 'Jag vill återkalla mitt samtycke till marknadsföring', session: 'en' },
  { language: 'Turkish', text: 'Pazarlama iznimi geri çekmek istiyorum', session: 'en' },
  { language: 'Polish', text: 'Chcę wycofać moją zgodę na marketing', session: 'it' },
  { language: 'Swedish', text: 'Jag vill återkalla mitt samtycke till marknadsföring', session: 'fr' },
];

/** A message in another shipped language than the session's, and the language it is in. */
interface SwitchCase {
  readonly text: string;
  readonly written: ShippedLocale;
}

const GERMAN_WITHDRAWAL: SwitchCase = { text: 'Ich möchte meine Einwilligung widerrufen', written: 'de' };
const FRENCH_WITHDRAWAL: SwitchCase = { text: 'retirer mon consentement', written: 'fr' };

/**
 * English messages of two or three words that the light detector guesses as French or Spanish with
 * almost no confidence (about 0.06), and that no other model understands with confidence either:
 * English, not a reason to ask about switching.
 */
const SHORT_ENGLISH = ['marketing emails', 'email consent', 'consent for offers', 'newsletter consent please'];

/** An English message the real classifier finds between "see my consents" and "withdraw a consent" (found by trying). */
const AMBIGUOUS_ENGLISH = 'about my consent';

describe('the language of a message over /api/messages (real classifier, tinyld): unsupported, switch once, clarify', function () {
  this.timeout(60_000);
  let running: RunningApp;
  let translations: Translations;
  let recognizer: IntentRecognizer;
  const tr = (locale: ShippedLocale): Translator => translations.for(locale);
  const customer = (session: ShippedLocale, label: string): Customer => new Customer(running.baseUrl, ACTIVITY_LOCALE[session], label);
  /** Each shipped language named in its own words: "English", "Italiano", "Deutsch"… */
  const ownNames = (): string[] => SHIPPED_LOCALES.map((locale) => tr(locale).t(`languageName.${locale}`));

  before(async () => {
    translations = await Translations.load();
    recognizer = await trainedRecognizer();
    running = await startTestApp();
  });

  after(async () => {
    await running?.close();
  });

  describe('a language we do not ship', () => {
    for (const { language, text, session } of UNSUPPORTED) {
      it(`${language} in a ${session} session: "sorry, not that language" in ${session}, every shipped language as a button in its own words`, async () => {
        const t = tr(session);
        const c = customer(session, `unsupported-${session}`);
        await c.open();
        const answered = await c.say(text);
        assert.equal(answered.replies.length, 1, JSON.stringify(answered.texts));
        assert.equal(answered.texts[0], t.t('language.unsupported', { languages: ownNames().join(', ') }));
        assert.deepEqual(titles(answered.replies[0]), ownNames());
        assert.ok(!answered.texts[0].includes(t.t('bot.fallback')));
      });
    }

    it('clicking "Deutsch" on that answer switches to German: the menu in German, and later turns stay German', async () => {
      const de = tr('de');
      const c = customer('en', 'unsupported-click');
      await c.open();
      const answered = await c.say('Chcę wycofać moją zgodę na marketing');
      assert.ok(titles(answered.replies[0]).includes('Deutsch'), JSON.stringify(titles(answered.replies[0])));
      const switched = await c.say('Deutsch');
      assert.equal(switched.replies.length, 1, JSON.stringify(switched.texts));
      assert.ok(switched.texts[0].startsWith(de.t('language.changed')), switched.texts[0]);
      assert.deepEqual(titles(switched.replies[0]), menuLabels(de));
      // The channel still says en-US: the stored choice wins.
      assert.deepEqual((await c.say(de.t('menu.consentChange'))).texts, [de.t('identity.prompt')]);
    });
  });

  describe('another language we ship: asked once, in that language', () => {
    /** Asserts the question, in the language written, with one button per language, each in its own words. */
    function assertSwitchAsked(result: PostResult, written: ShippedLocale, session: ShippedLocale): void {
      assert.equal(result.replies.length, 1, JSON.stringify(result.texts));
      assert.equal(result.texts[0], tr(written).t('language.switchAsk'));
      assert.deepEqual(titles(result.replies[0]), [tr(written).t('language.continueHere'), tr(session).t('language.continueHere')]);
      assert.equal(result.replies[0].locale, written, 'the question is marked as written in that language');
    }

    for (const { text, written } of [GERMAN_WITHDRAWAL, FRENCH_WITHDRAWAL]) {
      it(`"${text}" in an English session, "continue in ${written}": switched, and the withdrawal starts in ${written}; not asked again`, async () => {
        const w = tr(written);
        const c = customer('en', `switch-${written}`);
        await c.open();
        assertSwitchAsked(await c.say(text), written, 'en');
        assert.deepEqual((await c.say(w.t('language.continueHere'))).texts, [w.t('identity.prompt')]);
        const cancelled = await c.say(readIntentCorpus(written).keywords.cancel[0]);
        assert.ok(cancelled.texts[0]?.startsWith(w.t('cancel.done')), JSON.stringify(cancelled.texts));
        // Written in yet another shipped language now: understood, answered in the chosen language, no second question.
        const other = written === 'de' ? FRENCH_WITHDRAWAL : GERMAN_WITHDRAWAL;
        const later = await c.say(other.text);
        assert.deepEqual(later.texts, [w.t('identity.prompt')], 'no second language question');
      });
    }

    it('"Ich möchte meine Einwilligung widerrufen" in an English session, "Continue in English": English kept, the withdrawal still starts; a later German message is not asked about again', async () => {
      const en = tr('en');
      const c = customer('en', 'switch-keep');
      await c.open();
      assertSwitchAsked(await c.say(GERMAN_WITHDRAWAL.text), 'de', 'en');
      assert.deepEqual((await c.say(en.t('language.continueHere'))).texts, [en.t('identity.prompt')]);
      assert.ok((await c.say('cancel')).texts[0]?.startsWith(en.t('cancel.done')));
      const later = await c.say('Ich möchte keine Newsletter mehr bekommen');
      assert.deepEqual(later.texts, [en.t('identity.prompt')], 'understood in German, answered in English, not asked again');
      assert.ok((await c.say('cancel')).texts[0]?.startsWith(en.t('cancel.done')));
      const french = await c.say(FRENCH_WITHDRAWAL.text);
      assert.deepEqual(french.texts, [en.t('identity.prompt')], 'nor about French: the question is asked once per customer');
    });

    it('a typed "ja" to the German question switches; a typed "non" to the French one keeps English', async () => {
      const c = customer('en', 'switch-yes');
      await c.open();
      await c.say(GERMAN_WITHDRAWAL.text);
      assert.deepEqual((await c.say('ja')).texts, [tr('de').t('identity.prompt')]);

      const k = customer('en', 'switch-no');
      await k.open();
      assertSwitchAsked(await k.say(FRENCH_WITHDRAWAL.text), 'fr', 'en');
      assert.deepEqual((await k.say('non')).texts, [tr('en').t('identity.prompt')]);
    });

    it('another answer to the question keeps the language and is served as a message of its own', async () => {
      const en = tr('en');
      const c = customer('en', 'switch-other');
      await c.open();
      await c.say(GERMAN_WITHDRAWAL.text);
      const help = await c.say(en.t('menu.help'));
      assert.ok(help.texts.some((text) => text.startsWith(en.t('help.intro'))), JSON.stringify(help.texts));
    });

    for (const text of SHORT_ENGLISH) {
      it(`"${text}" in an English session is English: never asked to switch`, async () => {
        const c = customer('en', 'short-english');
        await c.open();
        const answered = await c.say(text);
        const asked = SHIPPED_LOCALES.filter((locale) => answered.texts.includes(tr(locale).t('language.switchAsk')));
        assert.deepEqual(asked, [], `"${text}" was met with ${JSON.stringify(answered.texts)}`);
      });
    }
  });

  describe('a message between two intents (real classifier)', () => {
    it(`"${AMBIGUOUS_ENGLISH}" is close between "see my consents" and "withdraw a consent" for the English model`, async () => {
      const result = await recognizer.recognize(AMBIGUOUS_ENGLISH, 'en');
      assert.deepEqual(result.clarify, ['consent.check', 'consent.revoke'], `the classifier's answer changed (pick another message by trying): ${JSON.stringify(result)}`);
    });

    it(`"${AMBIGUOUS_ENGLISH}": asked which of the two, with their menu labels as buttons; clicking one starts that flow`, async () => {
      const en = tr('en');
      const c = customer('en', 'clarify');
      await c.open();
      const asked = await c.say(AMBIGUOUS_ENGLISH);
      assert.equal(asked.replies.length, 1, JSON.stringify(asked.texts));
      assert.equal(asked.texts[0], en.t('clarify.ask', { first: en.t('clarify.option.consentCheck'), second: en.t('clarify.option.consentChange') }));
      assert.deepEqual(titles(asked.replies[0]), [en.t('menu.consentCheck'), en.t('menu.consentChange')]);
      assert.deepEqual((await c.say(en.t('menu.consentChange'))).texts, [en.t('identity.prompt')]);
    });
  });
});
