import { Activity } from 'botbuilder';
import { isTeamsActivity } from './teams-context';

/** How Teams addresses a bot: "28:" and its Microsoft app id (Agents Playground sends the bare app id). */
const TEAMS_BOT_ID = /^(?:28:)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * The Teams deep link that opens the person's one-to-one chat with this bot (the bot is the
 * recipient of the turn: "28:<app id>"), or undefined outside Teams or with an id not shaped so.
 * See https://learn.microsoft.com/microsoftteams/platform/concepts/build-and-test/deep-link-teams ("chat with a user or bot").
 */
export function privateChatLink(activity: Partial<Activity>): string | undefined {
  const botId = activity.recipient?.id;
  const appId = isTeamsActivity(activity) && typeof botId === 'string' ? TEAMS_BOT_ID.exec(botId)?.[1] : undefined;
  return appId === undefined ? undefined : `https://teams.microsoft.com/l/chat/0/0?users=28:${appId}`;
}
