import { Activity } from 'botbuilder';
import { isTeamsActivity, teamsConversationType } from './teams-context';

/**
 * How a message shows the options it offers (menus, choices, confirmations):
 * - `suggestedActions`: buttons under the message (Web Chat, Teams personal chat);
 * - `adaptiveCard`: an Adaptive Card of `Action.Submit` buttons, where suggested actions are not
 *   shown (Teams group chats and channels).
 * Either way the message text lists the options, so typing one works the same.
 */
export type ActionPresentation = 'suggestedActions' | 'adaptiveCard';

/** The presentation for replies in the conversation of `activity`. */
export function actionPresentationFor(activity: Partial<Activity>): ActionPresentation {
  return isTeamsActivity(activity) && teamsConversationType(activity) !== 'personal' ? 'adaptiveCard' : 'suggestedActions';
}
