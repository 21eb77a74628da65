import { ActionTypes, Activity, CardAction, MessageFactory } from 'botbuilder';
import { Translator } from '../src/i18n/translator';
import { IntentName } from '../src/nlu/intents';
import { DialogIds } from './dialog-ids';

export type MenuEntryId =
  | 'consent.check'
  | 'consent.revoke'
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
  { id: 'consent.check', labelKey: 'menu.consentCheck', intent: 'consent.check', available: false },
  { id: 'consent.revoke', labelKey: 'menu.consentChange', intent: 'consent.revoke', available: false },
  { id: 'data.copy', labelKey: 'menu.dataCopy', intent: 'data.copy', available: false },
  { id: 'concern.report', labelKey: 'menu.concernReport', intent: 'concern.report', available: false },
  { id: 'case.status', labelKey: 'menu.caseStatus', intent: 'case.status', available: false },
  { id: 'agent.request', labelKey: 'menu.agent', intent: 'agent.request', available: false },
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
