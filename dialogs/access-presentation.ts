import { Activity, CardAction, MessageFactory } from 'botbuilder';
import type { Translator } from '../src/i18n/translator';
import { formatDateInZone } from '../src/privacy/clocks/deadlines';
import type { Regime } from '../src/privacy/clocks/regimes';
import type { AccessCase, AccessCaseEvent, DataCategory } from '../src/privacy/access/access-types';
import { Reader, listOf, timeFor } from './consent-presentation';
import { MenuEntry, menuActions } from './menu';

/** A deadline as the customer is told it: the date alone ("28 February 2026"), in the reader's zone. */
export function dateFor(instant: Date, reader: Reader): string {
  return formatDateInZone(instant, reader.zone, reader.translator.locale);
}

/** "within one month, by 28 February 2026": the regime's period and the date, in the reader's zone. */
export function deadlineText(regime: Regime, due: Date, reader: Reader): string {
  return reader.translator.t(`access.deadline.${regime}`, { date: dateFor(due, reader) });
}

/** A category's label in the reader's language (English, then the id, when the configuration has none). */
export function categoryLabel(category: DataCategory, translator: Translator): string {
  return category.label[translator.locale] ?? category.label.en ?? category.id;
}

/** "all the personal data we hold about you", or the named categories in configuration order. */
export function scopeText(categoryIds: readonly string[] | null, categories: readonly DataCategory[], translator: Translator): string {
  if (categoryIds === null) return translator.t('access.scope.all');
  const labels = categories.filter((category) => categoryIds.includes(category.id)).map((category) => categoryLabel(category, translator));
  return translator.t('access.scope.some', { categories: listOf(labels, translator), count: labels.length });
}

/** Reference, receipt, status in plain words and the deadline in force: the facts of an open case in one sentence. */
export function openCaseFacts(accessCase: AccessCase, reader: Reader): Record<string, string> {
  return {
    reference: accessCase.reference,
    received: timeFor(accessCase.receivedAt, reader),
    status: reader.translator.t(`access.status.${accessCase.status}`),
    due: dateFor(accessCase.effectiveDueAt, reader),
  };
}

/** The latest event of a case with `status` (when it was fulfilled, refused, withdrawn). */
function lastEvent(accessCase: AccessCase, status: AccessCaseEvent['status']): AccessCaseEvent | undefined {
  return [...accessCase.history].reverse().find((event) => event.status === status);
}

/** What the customer reads about a closed case: when it was sent (and whether the link still works), refused and why, or withdrawn. */
function closedLines(accessCase: AccessCase, reader: Reader, now: Date): string[] {
  const { translator } = reader;
  const closedAt = lastEvent(accessCase, accessCase.status)?.at;
  const time = closedAt ? timeFor(closedAt, reader) : '';
  switch (accessCase.status) {
    case 'fulfilled': {
      const copy = accessCase.copy;
      if (!copy) return [translator.t('access.caseStatus.sentNoExpiry', { time })];
      if (copy.deletedAt !== null || copy.expiresAt.getTime() <= now.getTime()) return [translator.t('access.caseStatus.expired', { time })];
      return [translator.t('access.caseStatus.sent', { time, expires: dateFor(copy.expiresAt, reader) })];
    }
    case 'rejected':
      return [translator.t('access.caseStatus.refused', { time, reason: accessCase.blockedReason ?? lastEvent(accessCase, 'rejected')?.reason ?? '' }), translator.t('access.caseStatus.complaint')];
    case 'withdrawn':
      return [translator.t('access.caseStatus.withdrawn', { time })];
    default:
      return [];
  }
}

/**
 * One case as the customer reads it: reference and type, received, status in plain words, then
 * for an open case its due date (and, once extended, the new date and why), for a closed one
 * what became of it. Markdown: a bold heading and a list, readable as plain text too.
 */
export function caseBlock(accessCase: AccessCase, reader: Reader, now: Date): string {
  const { translator } = reader;
  const lines = [
    translator.t('access.caseStatus.received', { time: timeFor(accessCase.receivedAt, reader) }),
    translator.t('access.caseStatus.status', { status: translator.t(`access.status.${accessCase.status}`) }),
  ];
  if (['fulfilled', 'rejected', 'withdrawn'].includes(accessCase.status)) {
    lines.push(...closedLines(accessCase, reader, now));
  } else {
    lines.push(translator.t('access.caseStatus.due', { time: dateFor(accessCase.dueAt, reader) }));
    if (accessCase.extendedDueAt !== null && accessCase.extensionReason !== null) {
      lines.push(translator.t('access.caseStatus.extended', { time: dateFor(accessCase.extendedDueAt, reader), reason: accessCase.extensionReason }));
    }
  }
  const heading = translator.t('access.caseStatus.heading', { reference: accessCase.reference, type: translator.t('access.type.access') });
  return [heading, ...lines.map((line) => `- ${line}`)].join('\n');
}

/** The menu as buttons with one entry first (Teams shows only the first three suggested actions). */
export function withMenuButtonsLeading(text: string, translator: Translator, menu: readonly MenuEntry[], first: MenuEntry['id']): Partial<Activity> {
  const lead = menu.filter((entry) => entry.id === first);
  const rest = menu.filter((entry) => entry.id !== first);
  const actions: CardAction[] = [...menuActions(translator, lead), ...menuActions(translator, rest)];
  return MessageFactory.suggestedActions(actions, text);
}
