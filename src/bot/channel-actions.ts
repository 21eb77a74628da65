import { Activity, ResourceResponse, SendActivitiesHandler, TurnContext } from 'botbuilder';
import { MenuEntry, withActionsAsCard } from '../../dialogs/menu';
import { actionPresentationFor, mayPresentAsCard } from '../channels/teams/action-presentation';
import { Translator } from '../i18n/translator';

/**
 * The send hook that applies the per-channel presentation rule (actionPresentationFor) to every
 * reply of a turn — menus, prompts, confirmations, whatever dialog built them: options the channel
 * would not show as suggested actions go out as an Adaptive Card of `Action.Submit` buttons.
 * `translatorOf` gives the turn's language (card data names menu entries by the labels in it).
 */
export function channelActionsHook(menu: readonly MenuEntry[], translatorOf: (context: TurnContext) => Translator): SendActivitiesHandler {
  return async (context: TurnContext, activities: Partial<Activity>[], next: () => Promise<ResourceResponse[]>): Promise<ResourceResponse[]> => {
    activities.forEach((activity, index) => {
      const count = activity.suggestedActions?.actions?.length ?? 0;
      if (count > 0 && actionPresentationFor(context.activity, count) === 'adaptiveCard') activities[index] = withActionsAsCard(activity, translatorOf(context), menu);
    });
    return next();
  };
}

/** Registers the hook on a turn where the rule can matter (Teams); other channels' replies go out untouched. */
export function presentActionsPerChannel(context: TurnContext, hook: SendActivitiesHandler): void {
  if (mayPresentAsCard(context.activity)) context.onSendActivities(hook);
}
