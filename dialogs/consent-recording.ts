import type { TurnContext } from 'botbuilder';
import { collectionMethodOf } from '../src/bot/collection-method';
import { onceThisTurn } from '../src/bot/turn-effects';
import { turnTranslator } from '../src/bot/turn-locale';
import type { ConsentChangeOutcome, ConsentChangeRequest } from '../src/privacy/consent/consent-self-service';
import type { ConsentDialogDeps } from './consent-dialog-deps';

/** What a consent dialog settled with the customer; the rest of the request comes from the turn and the session. */
export type SettledChange = Pick<ConsentChangeRequest, 'subjectId' | 'direction' | 'pairs' | 'basis'>;

/**
 * Records a change the customer just confirmed, with the evidence of this turn (channel, language,
 * conversation, confirming activity) and the session's assurance, which decides what the receipt may
 * show. A turn re-run after a state race gets this attempt's outcome (notice included), not a replay.
 */
export async function recordConfirmedChange(context: TurnContext, deps: Pick<ConsentDialogDeps, 'consents' | 'assurance'>, label: string, change: SettledChange): Promise<ConsentChangeOutcome> {
  const { activity } = context;
  const held = await deps.assurance.current(context);
  const activityId = activity.id ?? `${activity.conversation.id}:${activity.timestamp?.toString() ?? ''}`;
  return onceThisTurn(context, `${label}:${activityId}`, () =>
    deps.consents.change({
      ...change,
      collectionMethod: collectionMethodOf(activity.channelId),
      language: turnTranslator(context).locale,
      conversationId: activity.conversation.id,
      activityId,
      assurance: held.level,
      contactKind: held.claim?.kind,
    }),
  );
}
