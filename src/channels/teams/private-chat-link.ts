import { Activity } from 'botbuilder';
import { isTeamsActivity } from './teams-context';

/** How Teams addresses a bot: "28:" and its Microsoft app id. */
const TEAMS_BOT_ID = /^28:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The Teams deep link that opens the person's one-to-one chat with this bot (the bot is the
 * recipient of the turn: "28:<app id>"), or undefined outside Teams or with an id not shaped so.
 * See https://learn.microsoft.com/microsoftteams/platform/concepts/build-and-test/deep-link-teams ("chat with a user or bot").
 */
export function privateChatLink(activity: Partial<Activity>): string | undefined {
  const botId = activity.recipient?.id;
  if (!isTeamsActivity(activity) || typeof botId !== 'string' || !TEAMS_BOT_ID.test(botId)) return undefined;
  return `https://teams.microsoft.com/l/chat/0/0?users=${botId}`;
}
