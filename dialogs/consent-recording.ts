import { randomUUID } from 'node:crypto';
import type { TurnContext } from 'botbuilder';
import { collectionMethodOf } from '../src/bot/collection-method';
import { onceThisTurn, ranThisTurn } from '../src/bot/turn-effects';
import { turnTranslator } from '../src/bot/turn-locale';
import type { ConsentChangeOutcome, ConsentChangeRequest } from '../src/privacy/consent/consent-self-service';
import type { ConsentDialogDeps } from './consent-dialog-deps';

/**
 * What a consent dialog settled with the customer; the rest of the request comes from the turn and the session.
 * `changeId` is the id the dialog kept with its confirmation question (`newChangeId`); a session saved
 * before dialogs kept one has none, and the confirming activity keys the write as it used to.
 */
export type SettledChange = Pick<ConsentChangeRequest, 'subjectId' | 'direction' | 'pairs' | 'basis' | 'changeId'>;

/** Prefix of the turn-effect keys of confirmed changes (see `confirmedEarlierThisTurn`). */
const CONFIRMED_CHANGE = 'consent.confirmed:';

/**
 * An id for the change a dialog is about to ask the customer to confirm: kept in dialog state with
 * the question, it keys the ledger write, so every "yes" to that question — two at once on two
 * instances, or an attempt re-run after losing the state race — records the same one change.
 */
export function newChangeId(): string {
  return randomUUID();
}

/**
 * Records a change the customer just confirmed, with the evidence of this turn (channel, language,
 * conversation, confirming activity) and the session's assurance, which decides what the receipt may
 * show. A turn re-run after a state race gets this attempt's outcome (notice included), not a replay;
 * an attempt on another instance that confirmed the same change gets the same events and receipt
 * back (a replay), so whichever attempt commits the session tells the customer of the one change.
 */
export async function recordConfirmedChange(context: TurnContext, deps: Pick<ConsentDialogDeps, 'consents' | 'assurance'>, label: string, change: SettledChange): Promise<ConsentChangeOutcome> {
  const { activity } = context;
  const held = await deps.assurance.current(context);
  const activityId = activity.id ?? `${activity.conversation.id}:${activity.timestamp?.toString() ?? ''}`;
  return onceThisTurn(context, `${CONFIRMED_CHANGE}${label}:${change.changeId ?? activityId}`, () =>
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

/**
 * True when an attempt of this turn recorded a change the customer confirmed. A turn that lost the
 * state race to another "yes" runs again on the winner's state, where the question is closed; the
 * message then answers a question already settled, and the customer is told so rather than "I didn't
 * understand" (the winner's reply says "done").
 */
export function confirmedEarlierThisTurn(context: TurnContext): boolean {
  return ranThisTurn(context, CONFIRMED_CHANGE);
}
