import assert from 'node:assert/strict';
import { Activity, Middleware } from 'botbuilder';
import { MenuEntry, availableMenu, submittedText } from '../../dialogs/menu';
import { channelActionsHook, presentActionsPerChannel } from '../../src/bot/channel-actions';
import { turnTranslator } from '../../src/bot/turn-locale';
import { TEAMS_MAX_SUGGESTED_ACTIONS } from '../../src/channels/teams/action-presentation';
import { SHIPPED_LOCALES, ShippedLocale } from '../../src/i18n/shipped-locales';
import { IntentName } from '../../src/nlu/intents';
import { ACTIVITY_LOCALE, DialogWorld, loadWorld } from './dialog-harness';
import { FeatureConversation } from './feature-conversation';
import { featureDialogs } from './feature-dialogs';
import { teamsActivity } from './teams-sender';

/**
 * Every prompt the dialogs can send, as Teams personal chat receives it: the conversation is crawled
 * from each menu entry (and the fallback), clicking every option each reply offers, a few steps deep,
 * with the bot's own send hook (channelActionsHook) in place. Teams renders at most three suggested
 * actions and drops the rest without a word, so no reply may carry more; longer lists must arrive as
 * an Adaptive Card whose buttons are all there.
 */
describe('Teams: every prompt the dialogs send shows all its options', function () {
  this.timeout(120_000);
  const MAX_DEPTH = 3;
  const menu = availableMenu();
  let world: DialogWorld;
  before(async () => {
    world = await loadWorld();
  });

  /** The bot's presentation hook, as PrivacyBot.run registers it. */
  const presentation: Middleware = {
    onTurn: async (context, next) => {
      presentActionsPerChannel(context, channelActionsHook(menu, turnTranslator));
      await next();
    },
  };

  /** What a reply offers to click: its suggested actions, or its card's Action.Submit buttons (read as the text they stand for). */
  function optionsOf(reply: Partial<Activity>, locale: ShippedLocale): string[] {
    const suggested = (reply.suggestedActions?.actions ?? []).map((action) => String(action.value ?? action.title));
    const cardButtons = (reply.attachments ?? []).flatMap((attachment) => ((attachment.content as { actions?: { type: string; data?: unknown }[] } | undefined)?.actions ?? []).filter((action) => action.type === 'Action.Submit'));
    const submitted = cardButtons.flatMap((button) => submittedText(button.data, world.translations.for(locale), menu) ?? []);
    return [...suggested, ...submitted];
  }

  /**
   * Records what each reply offered as the dialogs sent it, before the presentation hook (registered after
   * this one, so it runs after it) turns a long list into a card: the options Teams must still show.
   */
  function recordOffered(offered: string[][]): Middleware {
    return {
      onTurn: async (context, next) => {
        context.onSendActivities(async (_context, activities, send) => {
          for (const activity of activities) offered.push(titlesOf(structuredClone(activity)));
          return send();
        });
        await next();
      },
    };
  }

  /** What a reply shows to click: its suggested actions' titles and its card's Action.Submit buttons' titles. */
  function titlesOf(reply: Partial<Activity>): string[] {
    const suggested = (reply.suggestedActions?.actions ?? []).map((action) => action.title ?? String(action.value));
    const cardButtons = (reply.attachments ?? []).flatMap((attachment) => ((attachment.content as { actions?: { type: string; title?: string }[] } | undefined)?.actions ?? []).filter((action) => action.type === 'Action.Submit'));
    return [...suggested, ...cardButtons.map((button) => button.title ?? '')];
  }

  function conversation(locale: ShippedLocale, entries: readonly MenuEntry[], intents: Record<string, IntentName>, offered: string[][]): FeatureConversation {
    const feature = featureDialogs({ menu: entries });
    // A verified customer reaches the deepest prompts (purpose lists, confirmations).
    feature.assuranceState.value = { level: 'verified', claim: { kind: 'email', masked: 'a***@example.com', subjectId: 'subject-1' } };
    return new FeatureConversation(world, {
      activityLocale: ACTIVITY_LOCALE[locale],
      dialogs: feature.dialogs,
      menu: entries,
      intents,
      channelId: 'msteams',
      activity: teamsActivity('00000000-0000-0000-0000-00000000a11c', 'personal'),
      middleware: [recordOffered(offered), presentation],
    });
  }

  for (const locale of SHIPPED_LOCALES) {
    it(`in ${locale}: no reply carries more than ${TEAMS_MAX_SUGGESTED_ACTIONS} suggested actions`, async () => {
      const t = world.translations.for(locale);
      const labels = new Set(menu.map((entry) => t.t(entry.labelKey)));
      const intents: Record<string, IntentName> = {};
      for (const entry of menu) if (entry.intent) intents[t.t(entry.labelKey)] = entry.intent;
      const seen = new Map<string, number>();
      const tooMany: string[] = [];
      const lost: string[] = [];
      let paths: string[][] = [[...labels, 'zzz-not-understood'].map((label) => label)].flat().map((label) => [label]);
      for (let depth = 1; depth <= MAX_DEPTH && paths.length > 0; depth += 1) {
        const next: string[][] = [];
        for (const path of paths) {
          const offered: string[][] = [];
          const talk = conversation(locale, menu, intents, offered);
          let replies: Partial<Activity>[] = [];
          try {
            for (const text of path) {
              offered.length = 0;
              replies = await talk.sendForActivities({ type: 'message', text });
            }
          } catch (error) {
            // A confirmed change reaches the stand-in ledger, which records nothing: the prompts before it were checked.
            if (String(error).includes('NO_CONSENTS records nothing')) continue;
            throw error;
          }
          assert.equal(offered.length, replies.length, `${path.join(' → ')}: every reply sent passed the recorder`);
          for (const [i, reply] of replies.entries()) {
            const shown = [...titlesOf(reply)].sort();
            const meant = [...offered[i]].sort();
            if (JSON.stringify(shown) !== JSON.stringify(meant)) lost.push(`${path.join(' → ')}: "${(reply.text ?? '').slice(0, 60)}" offered ${JSON.stringify(meant)}, Teams shows ${JSON.stringify(shown)}`);
            const count = reply.suggestedActions?.actions?.length ?? 0;
            const key = `${reply.text ?? ''}|${count}`;
            seen.set(key, count);
            if (count > TEAMS_MAX_SUGGESTED_ACTIONS) tooMany.push(`${path.join(' → ')}: ${count} suggested actions on "${(reply.text ?? '').slice(0, 60)}"`);
          }
          const last = replies.at(-1);
          if (!last || depth === MAX_DEPTH) continue;
          // Options that restart the menu lead where the crawl already starts.
          for (const option of optionsOf(last, locale)) if (!labels.has(option)) next.push([...path, option]);
        }
        paths = next;
      }
      assert.ok(seen.size >= menu.length, `the crawl saw ${seen.size} distinct replies`);
      assert.ok([...seen.values()].some((count) => count === 0) && [...seen.values()].some((count) => count > 0), 'the crawl met replies with and without suggested actions');
      assert.deepEqual(tooMany, []);
      assert.deepEqual(lost, [], 'every option a prompt offers is still there to click in Teams (as a suggested action or a card button)');
    });
  }
});
