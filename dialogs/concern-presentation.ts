import type { Translator } from '../src/i18n/translator';
import { normalizeText } from '../src/nlu/normalize-text';
import type { DataCategory } from '../src/privacy/access/access-types';
import { CONCERN_TEXT_LIMIT, ConcernTopic } from '../src/privacy/concerns/concern-types';
import { categoryLabel } from './access-presentation';
import { listOf } from './consent-presentation';

/** The topic buttons, in the order shown. */
export const TOPIC_ORDER: readonly ConcernTopic[] = ['breach', 'use', 'answer', 'other'];

/** How the privacy team will get back to the customer, as the confirmation says it. */
export type ReplyRoute = 'contact' | 'onFile' | 'none' | 'shared';

/**
 * The customer's text kept as said, at most {@link CONCERN_TEXT_LIMIT} UTF-16 units (never half
 * an emoji), and whether it was cut — the customer is then told. Only stored: never echoed back.
 */
export function keptText(text: string): { readonly text: string; readonly cut: boolean } {
  const trimmed = text.trim();
  if (trimmed.length <= CONCERN_TEXT_LIMIT) return { text: trimmed, cut: false };
  const last = trimmed.charCodeAt(CONCERN_TEXT_LIMIT - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? CONCERN_TEXT_LIMIT - 1 : CONCERN_TEXT_LIMIT;
  return { text: trimmed.slice(0, end), cut: true };
}

/** Whether the customer typed (or clicked) exactly this button label: case, accents and punctuation aside. */
export function isLabel(text: string, label: string): boolean {
  return normalizeText(text) === normalizeText(label);
}

/** "Which of your data…? For example: Identity and contact details, Orders and Support tickets." */
export function dataQuestion(categories: readonly DataCategory[], translator: Translator): string {
  if (categories.length === 0) return translator.t('concern.ask.dataFree');
  return translator.t('concern.ask.data', { examples: listOf(categories.map((category) => categoryLabel(category, translator)), translator) });
}

/** "4,000" / "4.000": the limit as the customer reads numbers. */
export function limitText(translator: Translator): string {
  return CONCERN_TEXT_LIMIT.toLocaleString(translator.locale);
}

/**
 * The confirmation: the reference, what happens next (how they will hear, or that they will not)
 * and that the outcome is not promised; for a suspected breach, that it was marked urgent.
 */
export function receivedText(reference: string, route: ReplyRoute, suspectedBreach: boolean, translator: Translator): string {
  const parts = [translator.t('concern.received', { reference }), `${translator.t(`concern.next.${route}`)} ${translator.t('concern.outcome')}`];
  if (suspectedBreach) parts.push(translator.t('concern.breach.urgent'));
  return parts.join('\n\n');
}
