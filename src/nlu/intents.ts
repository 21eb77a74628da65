/** Intent names, fixed for the whole project (locales/<lang>/intents.json uses exactly these). */
export const INTENT_NAMES = [
  'consent.check',
  'consent.revoke',
  'consent.give',
  /** The CCPA opt-out of the sale or sharing of personal information ("do not sell or share my personal information"). */
  'consent.optOutSale',
  'data.copy',
  'concern.report',
  'case.status',
  'agent.request',
  'help',
  'cancel',
  /** Small talk, answered briefly and followed by the menu (never "didn't understand"). */
  'smalltalk.greeting',
  'smalltalk.thanks',
  'smalltalk.goodbye',
  /** "who are you?", "are you a robot?", "how are you?": about the assistant itself. */
  'smalltalk.about',
  'none',
] as const;

export type IntentName = (typeof INTENT_NAMES)[number];

export function isIntentName(value: unknown): value is IntentName {
  return typeof value === 'string' && (INTENT_NAMES as readonly string[]).includes(value);
}

export interface IntentResult {
  readonly intent: IntentName;
  /** Classifier confidence, 0..1; 1 for an exact keyword match. */
  readonly score: number;
  /**
   * Set when the message fits two intents about equally (best first, neither `none`): the bot
   * asks which one was meant rather than guessing.
   */
  readonly clarify?: readonly [IntentName, IntentName];
}

/** Turns a customer's free text into an intent, per language. Built once at start. */
export interface IntentRecognizer {
  recognize(text: string, locale: string): Promise<IntentResult>;
}

/** Words that interrupt whatever dialog runs (core-bot's CancelAndHelp pattern), plus language. */
export const INTERRUPTION_NAMES = ['help', 'cancel', 'language'] as const;
export type InterruptionName = (typeof INTERRUPTION_NAMES)[number];

/** Exact (normalised) keyword lookup; deterministic, so it also works inside prompts. */
export interface InterruptionMatcher {
  match(text: string, locale: string): InterruptionName | undefined;
}
