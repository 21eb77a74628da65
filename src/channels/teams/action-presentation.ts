import { Activity } from 'botbuilder';
import { isTeamsActivity, teamsConversationType } from './teams-context';

/**
 * How a message shows the options it offers (menus, choices, confirmations):
 * - `suggestedActions`: buttons under the message (Web Chat; Teams personal chat, up to three);
 * - `adaptiveCard`: an Adaptive Card of `Action.Submit` buttons, where suggested actions are not
 *   shown (Teams group chats and channels) or not all of them would be (Teams shows at most
 *   three; the rest would silently never be seen).
 * Either way the message text lists the options, so typing one works the same.
 */
export type ActionPresentation = 'suggestedActions' | 'adaptiveCard';

/** The most suggested actions Teams renders under a message; it drops the others without a word. */
export const TEAMS_MAX_SUGGESTED_ACTIONS = 3;

/**
 * The presentation, in the conversation of `activity`, of a reply offering `actionCount` options
 * (the per-channel rule every menu and question goes through; see PrivacyBot.run).
 */
export function actionPresentationFor(activity: Partial<Activity>, actionCount: number): ActionPresentation {
  if (!isTeamsActivity(activity)) return 'suggestedActions';
  if (teamsConversationType(activity) !== 'personal') return 'adaptiveCard';
  return actionCount > TEAMS_MAX_SUGGESTED_ACTIONS ? 'adaptiveCard' : 'suggestedActions';
}

/** Whether any reply in this conversation could need a card instead of its suggested actions. */
export function mayPresentAsCard(activity: Partial<Activity>): boolean {
  return isTeamsActivity(activity);
}
