import { Activity, ConversationState, Middleware } from 'botbuilder';
import { Dialog } from 'botbuilder-dialogs';
import { DialogTestClient } from 'botbuilder-testing';
import { MainDialog, TextRoute } from '../../dialogs/main-dialog';
import { MenuEntry } from '../../dialogs/menu';
import { IntentName } from '../../src/nlu/intents';
import { DialogWorld, FakeRecognizer, MemoryPreferences, localeMiddleware } from './dialog-harness';

export interface FeatureConversationOptions {
  /** The channel's locale on every activity ("en-US", "it-IT"). */
  readonly activityLocale: string;
  readonly dialogs: readonly Dialog[];
  readonly menu: readonly MenuEntry[];
  readonly intents?: Readonly<Record<string, IntentName>>;
  /** @default 'test' */
  readonly channelId?: string;
  /** Fields every activity carries (a Teams sender, a group conversation). */
  readonly activity?: Partial<Activity>;
  /** Runs before the dialogs on every turn (e.g. the identity the adapter authenticated). */
  readonly middleware?: readonly Middleware[];
  /** Messages routed by their form (a typed case reference), as the app routes them. */
  readonly textRoutes?: readonly TextRoute[];
  /** Where the dialog stack is kept (a test may snapshot and restore it). @default a fresh in-memory one */
  readonly conversationState?: ConversationState;
}

/** The real MainDialog with feature dialogs, a fake classifier, and events as well as messages. */
export class FeatureConversation {
  private readonly client: DialogTestClient;

  constructor(
    world: DialogWorld,
    private readonly options: FeatureConversationOptions,
  ) {
    const preferences = new MemoryPreferences();
    const dialog = new MainDialog({
      recognizer: new FakeRecognizer(options.intents),
      interruptions: world.interruptions,
      translations: world.translations,
      preferences,
      menu: options.menu,
      dialogs: options.dialogs,
      textRoutes: options.textRoutes,
    });
    this.client = new DialogTestClient(options.channelId ?? 'test', dialog, undefined, [localeMiddleware(world.translations, preferences), ...(options.middleware ?? [])], options.conversationState);
  }

  /** Sends a message; resolves with the texts of every reply of that turn. */
  say(text: string): Promise<string[]> {
    return this.send({ type: 'message', text });
  }

  /** Sends any activity; resolves with the texts of every reply of that turn. */
  async send(activity: Partial<Activity>): Promise<string[]> {
    return (await this.sendForActivities(activity)).map((reply) => reply.text ?? '');
  }

  async sendForActivities(activity: Partial<Activity>): Promise<Partial<Activity>[]> {
    const replies: Partial<Activity>[] = [];
    let reply = (await this.client.sendActivity({ locale: this.options.activityLocale, ...this.options.activity, ...activity })) as Partial<Activity> | undefined;
    while (reply) {
      replies.push(reply);
      reply = this.client.getNextReply() as Partial<Activity> | undefined;
    }
    return replies;
  }
}
