import assert from 'node:assert/strict';
import { Activity } from 'botbuilder';

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** A button of an Adaptive Card as we send them. */
export interface CardButton {
  readonly type: string;
  readonly title: string;
  readonly data?: unknown;
}

/** The buttons of the one Adaptive Card a message carries (fails when it carries none, or suggested actions too). */
export function cardButtons(activity: Partial<Activity>): CardButton[] {
  const cards = (activity.attachments ?? []).filter((attachment) => attachment.contentType === ADAPTIVE_CARD);
  assert.equal(cards.length, 1, `expected one Adaptive Card in ${JSON.stringify(activity)}`);
  assert.equal(activity.suggestedActions, undefined, 'a card replaces the suggested actions, it does not repeat them');
  const content = cards[0].content as { type?: string; version?: string; actions?: CardButton[]; fallbackText?: string };
  assert.equal(content.type, 'AdaptiveCard');
  assert.ok(content.version && Number(content.version) >= 1.2, `card version ${content.version}`);
  assert.equal(content.fallbackText, activity.text, 'the card falls back to the message text');
  return content.actions ?? [];
}

/** The titles of a message's suggested actions (fails when it has an Adaptive Card instead). */
export function suggestedTitles(activity: Partial<Activity>): string[] {
  assert.equal((activity.attachments ?? []).length, 0, `expected no attachments in ${JSON.stringify(activity)}`);
  return (activity.suggestedActions?.actions ?? []).map((action) => action.title ?? '');
}
