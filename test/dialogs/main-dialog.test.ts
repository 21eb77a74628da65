import assert from 'node:assert/strict';
import { Activity } from 'botbuilder';
import { SHIPPED_LOCALES, ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translator } from '../../src/i18n/translator';
import { IntentName } from '../../src/nlu/intents';
import { ACTIVITY_LOCALE, DialogWorld, TestConversation, Voices, actionTitles, keyword, loadWorld, voicesFor } from './dialog-harness';

/** Labels the menu shows today (only real capabilities), and those it must not show yet. */
const SHOWN_LABEL_KEYS = ['menu.consentCheck', 'menu.consentChange', 'menu.consentGive', 'menu.optOutSale', 'menu.dataCopy', 'menu.concernReport', 'menu.caseStatus', 'menu.agent', 'menu.language', 'menu.help'];
const HIDDEN_LABEL_KEYS: readonly string[] = [];
/** Intents the classifier knows but no dialog serves yet: each gets the fallback (none today: every capability is served). */
const INTENTS_WITHOUT_DIALOG: readonly IntentName[] = [];
const NONSENSE = 'qwertz blorp';

/** What one reply must hold: texts it includes (translated), its buttons, texts it must not include. */
interface Expected {
  includes: string[];
  actions?: string[];
  excludes?: string[];
}

type Step = [says: string, replies: Expected[]];
type Whose = 'mine' | 'other' | 'none';

interface DialogCase {
  name: string;
  /** Utterances the fake classifier recognises. */
  intents?: Readonly<Record<string, IntentName>>;
  /** A language preference stored before the conversation starts. */
  preference?: Whose;
  steps(v: Voices, world: DialogWorld): Step[];
  /** The language preference stored at the end. */
  expectedPreference: Whose;
}

const shown = (t: Translator): string[] => SHOWN_LABEL_KEYS.map((key) => t.t(key));
const hidden = (t: Translator): string[] => HIDDEN_LABEL_KEYS.map((key) => t.t(key));
const names = (t: Translator): string[] => SHIPPED_LOCALES.map((locale) => t.t(`languageName.${locale}`));

/** A reply offering the menu after `lead`, in `t`'s language. */
const menu = (t: Translator, ...lead: string[]): Expected => ({ includes: [...lead, ...shown(t)], actions: shown(t), excludes: hidden(t) });
const fallback = (t: Translator): Expected => menu(t, t.t('bot.fallback'));
const help = (t: Translator): Expected => ({ includes: [t.t('help.intro'), t.t('menu.language'), t.t('help.howTo')], actions: shown(t), excludes: hidden(t) });
const languagePrompt = (t: Translator): Expected => ({ includes: [t.t('language.prompt', { languages: names(t).join(', ') })], actions: names(t) });
const languageRetry = (t: Translator): Expected => ({ includes: [t.t('language.retry', { languages: names(t).join(', ') })], actions: names(t) });
const changed = (t: Translator): Expected => menu(t, t.t('language.changed'));
const otherName = (v: Voices): string => v.me.t(`languageName.${v.other.locale}`);
const myName = (v: Voices): string => v.me.t(`languageName.${v.me.locale}`);

const CASES: DialogCase[] = [
  { name: 'unrecognised text gets the fallback and the menu', steps: (v) => [[NONSENSE, [fallback(v.me)]]], expectedPreference: 'none' },
  ...INTENTS_WITHOUT_DIALOG.map(
    (intent): DialogCase => ({
      name: `intent ${intent} (no dialog yet) gets the fallback and the menu`,
      intents: { [`<${intent}>`]: intent },
      steps: (v) => [[`<${intent}>`, [fallback(v.me)]]],
      expectedPreference: 'none',
    }),
  ),
  { name: 'help intent lists what the bot can do, with the menu', intents: { '<help>': 'help' }, steps: (v) => [['<help>', [help(v.me)]]], expectedPreference: 'none' },
  { name: 'help keyword at top level', steps: (v, w) => [[keyword(w, v.me.locale, 'help'), [help(v.me)]]], expectedPreference: 'none' },
  { name: 'the help button is recognised', steps: (v) => [[v.me.t('menu.help'), [help(v.me)]]], expectedPreference: 'none' },
  { name: 'cancel intent with nothing running', intents: { '<cancel>': 'cancel' }, steps: (v) => [['<cancel>', [menu(v.me, v.me.t('cancel.nothing'))]]], expectedPreference: 'none' },
  { name: 'cancel keyword with nothing running', steps: (v, w) => [[keyword(w, v.me.locale, 'cancel'), [menu(v.me, v.me.t('cancel.nothing'))]]], expectedPreference: 'none' },
  {
    name: 'the language button opens the language prompt; picking the other language switches at once',
    steps: (v) => [
      [v.me.t('menu.language'), [languagePrompt(v.me)]],
      [otherName(v), [changed(v.other)]],
      [NONSENSE, [fallback(v.other)]],
    ],
    expectedPreference: 'other',
  },
  {
    name: 'language keyword, then picking my own language stores it',
    steps: (v, w) => [
      [keyword(w, v.me.locale, 'language'), [languagePrompt(v.me)]],
      [myName(v), [changed(v.me)]],
    ],
    expectedPreference: 'mine',
  },
  {
    name: 'a language named in the message is taken without asking',
    steps: (v) => [
      [otherName(v), [changed(v.other)]],
      [NONSENSE, [fallback(v.other)]],
    ],
    expectedPreference: 'other',
  },
  {
    name: 'help at the language prompt, then the prompt continues',
    steps: (v, w) => [
      [keyword(w, v.me.locale, 'language'), [languagePrompt(v.me)]],
      [keyword(w, v.me.locale, 'help'), [{ includes: [v.me.t('help.intro'), v.me.t('menu.language'), v.me.t('help.resume')], actions: [] }, languagePrompt(v.me)]],
      [otherName(v), [changed(v.other)]],
    ],
    expectedPreference: 'other',
  },
  {
    name: 'cancel at the language prompt records nothing',
    steps: (v, w) => [
      [keyword(w, v.me.locale, 'language'), [languagePrompt(v.me)]],
      [keyword(w, v.me.locale, 'cancel'), [menu(v.me, v.me.t('cancel.done'))]],
      [NONSENSE, [fallback(v.me)]],
    ],
    expectedPreference: 'none',
  },
  {
    name: 'cancel at the language prompt keeps an earlier choice',
    preference: 'mine',
    steps: (v, w) => [
      [keyword(w, v.me.locale, 'language'), [languagePrompt(v.me)]],
      [keyword(w, v.me.locale, 'cancel'), [menu(v.me, v.me.t('cancel.done'))]],
    ],
    expectedPreference: 'mine',
  },
  {
    name: 'an invalid choice re-prompts, then a valid one is taken',
    steps: (v, w) => [
      [keyword(w, v.me.locale, 'language'), [languagePrompt(v.me)]],
      [NONSENSE, [languageRetry(v.me)]],
      [otherName(v), [changed(v.other)]],
    ],
    expectedPreference: 'other',
  },
  {
    name: 'at the prompt, a language named in my language is understood too ("italian", "inglese")',
    steps: (v, w) => [
      [keyword(w, v.me.locale, 'language'), [languagePrompt(v.me)]],
      [v.me.list(`language.words.${v.other.locale}`)[0], [changed(v.other)]],
    ],
    expectedPreference: 'other',
  },
  {
    name: 'a stored preference wins over the channel locale',
    preference: 'other',
    steps: (v) => [[NONSENSE, [fallback(v.other)]]],
    expectedPreference: 'other',
  },
];

function assertReplies(replies: Partial<Activity>[], expected: Expected[], said: string): void {
  const texts = replies.map((reply) => reply.text ?? '');
  assert.equal(replies.length, expected.length, `replies to "${said}": ${JSON.stringify(texts)}`);
  expected.forEach((want, i) => {
    for (const part of want.includes) assert.ok(texts[i].includes(part), `reply ${i} to "${said}" lacks ${JSON.stringify(part)}: ${JSON.stringify(texts[i])}`);
    for (const part of want.excludes ?? []) assert.ok(!texts[i].includes(part), `reply ${i} to "${said}" must not offer ${JSON.stringify(part)}`);
    if (want.actions) assert.deepEqual(actionTitles(replies[i]), want.actions, `buttons of reply ${i} to "${said}"`);
  });
}

function localeOf(whose: Whose, v: Voices): ShippedLocale | undefined {
  if (whose === 'none') return undefined;
  return whose === 'mine' ? v.me.locale : v.other.locale;
}

for (const locale of SHIPPED_LOCALES) {
  describe(`MainDialog in ${locale} (channel locale ${ACTIVITY_LOCALE[locale]})`, () => {
    let world: DialogWorld;
    before(async () => {
      world = await loadWorld();
    });

    for (const row of CASES) {
      it(row.name, async () => {
        const v = voicesFor(world, locale);
        const conversation = new TestConversation(world, { activityLocale: ACTIVITY_LOCALE[locale], intents: row.intents, preference: row.preference && localeOf(row.preference, v) });
        for (const [said, expected] of row.steps(v, world)) assertReplies(await conversation.say(said), expected, said);
        assert.equal(conversation.preferences.value?.locale, localeOf(row.expectedPreference, v), 'stored language preference');
      });
    }

    it('a language keyword that names a language switches to it at once; one that names none asks', async () => {
      const phrases = SHIPPED_LOCALES.flatMap((corpusLocale) => world.corpora[corpusLocale].keywords.language);
      const switchedTo = new Set<ShippedLocale>();
      for (const phrase of phrases) {
        const conversation = new TestConversation(world, { activityLocale: ACTIVITY_LOCALE[locale] });
        const replies = await conversation.say(phrase);
        const chosen = conversation.preferences.value?.locale;
        if (chosen) switchedTo.add(chosen);
        assertReplies(replies, [chosen ? changed(world.translations.for(chosen)) : languagePrompt(world.translations.for(locale))], phrase);
      }
      assert.deepEqual([...switchedTo].sort(), [...SHIPPED_LOCALES].sort(), 'every shipped language is reachable by naming it');
    });
  });
}

describe('MainDialog without a stored preference: the channel locale decides', () => {
  const CHANNEL_LOCALES: ReadonlyArray<[tag: string, expected: ShippedLocale]> = [
    ['it-IT', 'it'],
    ['it', 'it'],
    ['en-GB', 'en'],
    ['fr-FR', 'fr'],
    ['de-CH', 'de'],
    ['pt-BR', 'pt'],
    ['pl-PL', 'en'], // not shipped: the default
  ];
  for (const [tag, expected] of CHANNEL_LOCALES) {
    it(`${tag} → ${expected}`, async () => {
      const world = await loadWorld();
      const conversation = new TestConversation(world, { activityLocale: tag });
      assertReplies(await conversation.say(NONSENSE), [fallback(world.translations.for(expected))], NONSENSE);
      assert.equal(conversation.preferences.value, undefined, 'nothing stored');
    });
  }
});
