import { Activity } from 'botbuilder';
import { isTeamsActivity, teamsConversationType } from './teams-context';

/**
 * Whether Teams is telling the bot it was just added to the conversation (installed in a personal
 * chat, a group chat or a team): Teams then lists only the bot in `membersAdded`, so the usual
 * "someone other than the bot joined" test would never greet a Teams user. Teams says it once per
 * installation, so a reinstall (even while the old conversation is still remembered) is one too.
 */
export function botAddedInTeams(activity: Partial<Activity>): boolean {
  const botId = activity.recipient?.id;
  return isTeamsActivity(activity) && botId !== undefined && (activity.membersAdded ?? []).some((member) => member.id === botId);
}

/**
 * Whether the turn happens in a team's channel (its General channel at installation, or any thread
 * of any channel later). The team is welcomed once, when the bot is installed in it — in the
 * bot's default language, as the whole team reads it, not in the installer's; a new thread or a
 * new member is not welcomed again.
 */
export function inTeamChannel(activity: Partial<Activity>): boolean {
  return isTeamsActivity(activity) && teamsConversationType(activity) === 'channel';
}
