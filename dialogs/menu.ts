import { ActionTypes, Activity, CardAction, CardFactory, MessageFactory } from 'botbuilder';
import { Translator } from '../src/i18n/translator';
import { IntentName } from '../src/nlu/intents';
import { DialogIds } from './dialog-ids';

export type MenuEntryId =
  | 'consent.check'
  | 'consent.revoke'
  | 'consent.give'
  | 'consent.optOutSale'
  | 'data.copy'
  | 'concern.report'
  | 'case.status'
  | 'agent.request'
  | 'language'
  | 'help';

/** One thing the main menu can offer. Its label, typed or clicked, must be recognised as `intent` (or a keyword). */
export interface MenuEntry {
  readonly id: MenuEntryId;
  /** Key of the button label in `locales/<lang>/messages.json`. */
  readonly labelKey: string;
  /** The intent the classifier returns for this capability; built-ins reached by keyword have none. */
  readonly intent?: IntentName;
  /** The dialog that serves the entry; undefined for answers the main dialog gives itself (help). */
  readonly dialogId?: string;
  /** Whether the capability is real. Unavailable entries are never shown nor mentioned. */
  readonly available: boolean;
}

/**
 * Every capability of the menu, in the order shown. A later feature flips `available` and names
 * its dialog (which the main dialog must then register, or it refuses to start).
 */
export const MENU_REGISTRY: readonly MenuEntry[] = Object.freeze([
  { id: 'consent.check', labelKey: 'menu.consentCheck', intent: 'consent.check', dialogId: DialogIds.consentCheck, available: true },
  { id: 'consent.revoke', labelKey: 'menu.consentChange', intent: 'consent.revoke', dialogId: DialogIds.consentWithdraw, available: true },
  { id: 'consent.give', labelKey: 'menu.consentGive', intent: 'consent.give', dialogId: DialogIds.consentGive, available: true },
  { id: 'consent.optOutSale', labelKey: 'menu.optOutSale', intent: 'consent.optOutSale', dialogId: DialogIds.consentOptOutSale, available: true },
  { id: 'data.copy', labelKey: 'menu.dataCopy', intent: 'data.copy', dialogId: DialogIds.dataCopy, available: true },
  { id: 'concern.report', labelKey: 'menu.concernReport', intent: 'concern.report', dialogId: DialogIds.concernReport, available: true },
  { id: 'case.status', labelKey: 'menu.caseStatus', intent: 'case.status', dialogId: DialogIds.caseStatus, available: true },
  { id: 'agent.request', labelKey: 'menu.agent', intent: 'agent.request', dialogId: DialogIds.handoff, available: true },
  { id: 'language', labelKey: 'menu.language', dialogId: DialogIds.language, available: true },
  { id: 'help', labelKey: 'menu.help', available: true },
]);

/** The entries to show, in registry order. */
export function availableMenu(registry: readonly MenuEntry[] = MENU_REGISTRY): readonly MenuEntry[] {
  return Object.freeze(registry.filter((entry) => entry.available));
}

/** The dialog serving `intent` among the shown entries, if any. */
export function dialogForIntent(entries: readonly MenuEntry[], intent: IntentName): string | undefined {
  return entries.find((entry) => entry.intent === intent && entry.dialogId !== undefined)?.dialogId;
}

/** The button labels of the entries, in the translator's language. */
export function menuLabels(translator: Translator, entries: readonly MenuEntry[]): string[] {
  return entries.map((entry) => translator.t(entry.labelKey));
}

/** Buttons that send their own label back, so typing the label works the same as clicking it. */
export function menuActions(translator: Translator, entries: readonly MenuEntry[]): CardAction[] {
  return menuLabels(translator, entries).map((label) => ({ type: ActionTypes.ImBack, title: label, value: label }));
}

/** The labels as a Markdown list, for channels that show no suggested actions. */
export function menuList(translator: Translator, entries: readonly MenuEntry[]): string {
  return menuLabels(translator, entries)
    .map((label) => `- ${label}`)
    .join('\n');
}

/** A message offering the menu: `lead` (default: "How can I help?"), the options listed, and buttons. */
export function menuActivity(translator: Translator, entries: readonly MenuEntry[], lead = translator.t('menu.prompt')): Partial<Activity> {
  return MessageFactory.suggestedActions(menuActions(translator, entries), `${lead}\n\n${menuList(translator, entries)}`);
}

/** What the bot can do right now (help itself is not a capability to list) and how to ask for it. */
export function helpText(translator: Translator, entries: readonly MenuEntry[]): string {
  const capabilities = entries.filter((entry) => entry.id !== 'help');
  return `${translator.t('help.intro')}\n\n${menuList(translator, capabilities)}\n\n${translator.t('help.howTo')}`;
}

/** Help with the menu buttons, for when nothing else is waiting for an answer. */
export function helpActivity(translator: Translator, entries: readonly MenuEntry[]): Partial<Activity> {
  return MessageFactory.suggestedActions(menuActions(translator, entries), helpText(translator, entries));
}

/**
 * What a button of an Adaptive Card (`Action.Submit`) sends back as the message `value`, and
 * what typing it would be:
 * - `{ "menu": "<entry id>" }` — a menu entry (e.g. `{ "menu": "language" }`), read as its label in
 *   the customer's current language, so a card shown in English still works after a switch to Italian;
 * - `{ "choice": "<text>" }` — any other option (a prompt's choice, a confirmation), read as that text.
 * Exactly one of the two keys; anything else is not ours (see `submittedText`).
 */
export type CardSubmitData = { readonly menu: MenuEntryId } | { readonly choice: string };

/** Adaptive Card schema version of our cards: rendered by Teams (all clients) and by Web Chat. */
export const ADAPTIVE_CARD_VERSION = '1.4';

/** The submit data of a button that would otherwise send `action.value` as text. */
export function cardSubmitData(action: CardAction, translator: Translator, entries: readonly MenuEntry[]): CardSubmitData {
  const typed = typeof action.value === 'string' ? action.value : action.title;
  const entry = entries.find((candidate) => translator.t(candidate.labelKey) === typed);
  return entry ? { menu: entry.id } : { choice: typed };
}

/**
 * The text a submitted card value stands for, as if the customer had typed it; undefined when the
 * value is not `CardSubmitData` or names an entry that is not offered.
 */
export function submittedText(value: unknown, translator: Translator, entries: readonly MenuEntry[]): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const hasMenu = 'menu' in value;
  const hasChoice = 'choice' in value;
  if (hasMenu === hasChoice) return undefined;
  if (hasMenu) {
    const entry = entries.find((candidate) => candidate.id === value.menu);
    return entry ? translator.t(entry.labelKey) : undefined;
  }
  const choice = 'choice' in value ? value.choice : undefined;
  return typeof choice === 'string' && choice.trim() !== '' ? choice : undefined;
}

/** An Adaptive Card action for a suggested action: typed buttons submit `CardSubmitData`, links stay links. */
function cardAction(action: CardAction, translator: Translator, entries: readonly MenuEntry[]): Record<string, unknown> | undefined {
  const title = action.title || (typeof action.value === 'string' ? action.value : '');
  if (action.type === ActionTypes.OpenUrl && typeof action.value === 'string') return { type: 'Action.OpenUrl', title, url: action.value };
  if (action.type !== ActionTypes.ImBack && action.type !== ActionTypes.PostBack) return undefined;
  return { type: 'Action.Submit', title, data: cardSubmitData(action, translator, entries) };
}

/**
 * The same message with its suggested actions turned into an Adaptive Card of `Action.Submit`
 * buttons, for conversations that show no suggested actions (Teams group chats and channels).
 * The text is kept as it is: it already lists the options, for typing and for clients that
 * render no card (also the card's `fallbackText`). A message without suggested actions is returned unchanged.
 */
export function withActionsAsCard(activity: Partial<Activity>, translator: Translator, entries: readonly MenuEntry[]): Partial<Activity> {
  const actions = (activity.suggestedActions?.actions ?? []).flatMap((action) => cardAction(action, translator, entries) ?? []);
  if (actions.length === 0) return activity;
  const card = CardFactory.adaptiveCard({
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: ADAPTIVE_CARD_VERSION,
    fallbackText: activity.text,
    body: [],
    actions,
  });
  const { suggestedActions: _shownAsCard, ...rest } = activity;
  return { ...rest, attachments: [...(activity.attachments ?? []), card] };
}
