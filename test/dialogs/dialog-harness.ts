import { Activity, Middleware, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { Dialog } from 'botbuilder-dialogs';
import { DialogTestClient } from 'botbuilder-testing';
import { MainDialog } from '../../dialogs/main-dialog';
import { MenuEntry, availableMenu } from '../../dialogs/menu';
import { UserPreferences } from '../../src/bot/session-types';
import { setTurnTranslator } from '../../src/bot/turn-locale';
import { SHIPPED_LOCALES, ShippedLocale, resolveLocale } from '../../src/i18n/shipped-locales';
import { Translations, Translator } from '../../src/i18n/translator';
import { IntentCorpus, readIntentCorpus } from '../../src/nlu/corpus';
import { IntentName, IntentRecognizer, IntentResult, InterruptionName } from '../../src/nlu/intents';
import { KeywordInterruptionMatcher } from '../../src/nlu/keyword-matcher';
import { MemoryAccessor, featureDialogs } from './feature-dialogs';

/** The real catalogs and keyword lists, loaded once per test process. */
export interface DialogWorld {
  readonly translations: Translations;
  readonly corpora: Readonly<Record<ShippedLocale, IntentCorpus>>;
  readonly interruptions: KeywordInterruptionMatcher;
}

let world: Promise<DialogWorld> | undefined;

export function loadWorld(): Promise<DialogWorld> {
  world ??= (async () => {
    const corpora = {} as Record<ShippedLocale, IntentCorpus>;
    for (const locale of SHIPPED_LOCALES) corpora[locale] = readIntentCorpus(locale);
    return { translations: await Translations.load(), corpora, interruptions: new KeywordInterruptionMatcher(corpora) };
  })();
  return world;
}

/** The first keyword of an interruption in a language ("help", "aiuto"). */
export function keyword(world: DialogWorld, locale: ShippedLocale, name: InterruptionName): string {
  return world.corpora[locale].keywords[name][0];
}

/** A recognizer that knows exactly the utterances it is given; everything else is `none`. */
export class FakeRecognizer implements IntentRecognizer {
  constructor(private readonly table: Readonly<Record<string, IntentName>> = {}) {}

  async recognize(text: string): Promise<IntentResult> {
    return { intent: this.table[text] ?? 'none', score: 1 };
  }
}

/** One person's preferences, kept in memory so a test can read what the dialogs stored. */
export class MemoryPreferences extends MemoryAccessor<UserPreferences> {}

/** What the bot does before dialogs run: preference > activity.locale > default picks the translator. */
export function localeMiddleware(translations: Translations, preferences: StatePropertyAccessor<UserPreferences>): Middleware {
  return {
    onTurn: async (context, next) => {
      const stored = await preferences.get(context);
      setTurnTranslator(context, translations.for(resolveLocale(stored?.locale, context.activity.locale, 'en')));
      await next();
    },
  };
}

export interface ConversationOptions {
  /** The channel's locale on every message ("en-US", "it-IT"). */
  activityLocale: string;
  intents?: Readonly<Record<string, IntentName>>;
  preference?: ShippedLocale;
  menu?: readonly MenuEntry[];
  /** @default the identity, assurance gate and handoff dialogs over in-memory state (see feature-dialogs.ts) */
  dialogs?: readonly Dialog[];
}

/** A conversation with the real MainDialog, the real keyword matcher and a fake classifier. */
export class TestConversation {
  readonly preferences: MemoryPreferences;
  private readonly client: DialogTestClient;

  constructor(
    world: DialogWorld,
    private readonly options: ConversationOptions,
  ) {
    this.preferences = new MemoryPreferences(options.preference ? { locale: options.preference } : undefined);
    const dialog = new MainDialog({
      recognizer: new FakeRecognizer(options.intents),
      interruptions: world.interruptions,
      translations: world.translations,
      preferences: this.preferences,
      menu: options.menu ?? availableMenu(),
      dialogs: options.dialogs ?? featureDialogs({ menu: options.menu }).dialogs,
    });
    this.client = new DialogTestClient('test', dialog, undefined, [localeMiddleware(world.translations, this.preferences)]);
  }

  /** Sends a message; resolves with every reply of that turn. */
  async say(text: string): Promise<Partial<Activity>[]> {
    const replies: Partial<Activity>[] = [];
    let reply = (await this.client.sendActivity({ type: 'message', text, locale: this.options.activityLocale })) as Partial<Activity> | undefined;
    while (reply) {
      replies.push(reply);
      reply = this.client.getNextReply() as Partial<Activity> | undefined;
    }
    return replies;
  }
}

/** The titles of a reply's suggested actions. */
export function actionTitles(reply: Partial<Activity>): string[] {
  return reply.suggestedActions?.actions.map((action) => action.title) ?? [];
}

/** The shipped languages from a language's point of view: its own, and another one. */
export interface Voices {
  readonly me: Translator;
  readonly other: Translator;
}

export function voicesFor(world: DialogWorld, locale: ShippedLocale): Voices {
  const other = SHIPPED_LOCALES.find((candidate) => candidate !== locale);
  if (!other) throw new Error('the dialog tables need at least two shipped languages');
  return { me: world.translations.for(locale), other: world.translations.for(other) };
}

/** The channel locale a client in each shipped language sends (Brazilian Portuguese: our pt texts say "você"). */
export const ACTIVITY_LOCALE: Readonly<Record<ShippedLocale, string>> = { en: 'en-US', it: 'it-IT', de: 'de-DE', fr: 'fr-FR', es: 'es-ES', pt: 'pt-BR', nl: 'nl-NL' };

/** `text` as the tests read replies: no-break spaces (ICU's "10:30 AM", French typography's "Oui ?") as plain ones. */
export function plainSpaces(text: string): string {
  return text.replace(/[\u202f\u00a0]/g, ' ');
}

/** A language's texts as the tests read the replies (see {@link plainSpaces}), to compare with what a conversation's `say` gives. */
export function readTexts(translations: Translations, locale: ShippedLocale): Translator {
  const t = translations.for(locale);
  return { locale, t: (key, vars) => plainSpaces(t.t(key, vars)), list: (key) => t.list(key).map(plainSpaces) };
}
