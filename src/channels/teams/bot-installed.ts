import { Activity } from 'botbuilder';
import { isTeamsActivity } from './teams-context';

/**
 * Whether Teams is telling the bot it was just added to the conversation (installed in a personal
 * chat, a group chat or a team): Teams then lists only the bot in `membersAdded`, so the usual
 * "someone other than the bot joined" test would never greet a Teams user.
 */
export function botAddedInTeams(activity: Partial<Activity>): boolean {
  const botId = activity.recipient?.id;
  return isTeamsActivity(activity) && botId !== undefined && (activity.membersAdded ?? []).some((member) => member.id === botId);
}
