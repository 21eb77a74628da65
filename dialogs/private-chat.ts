import { ActionTypes, Activity, MessageFactory } from 'botbuilder';
import { privateChatLink } from '../src/channels/teams/private-chat-link';
import { Translator } from '../src/i18n/translator';
import { MenuEntry, menuActivity } from './menu';

/**
 * The answer, in a shared conversation, to a request that belongs in the private chat (personal
 * data, a person): `text` (why) and, in Teams, one button that opens the private chat with the bot.
 * Elsewhere (a group conversation of another channel, which has no such link) the menu instead.
 */
export function privateChatOffer(activity: Partial<Activity>, translator: Translator, entries: readonly MenuEntry[], text: string): Partial<Activity> {
  const link = privateChatLink(activity);
  if (!link) return menuActivity(translator, entries, text);
  return MessageFactory.suggestedActions([{ type: ActionTypes.OpenUrl, title: translator.t('teams.openPrivateChat'), value: link }], text);
}
