import { randomUUID } from 'node:crypto';
import { ActionTypes, Activity, ActivityTypes, CardAction, InputHints, MessageFactory, TurnContext } from 'botbuilder';
import { ComponentDialog, DialogTurnResult, Prompt, PromptOptions, PromptRecognizerResult, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { CustomerAssurance } from '../src/bot/customer-assurance';
import { turnTranslator } from '../src/bot/turn-locale';
import { onceThisTurn } from '../src/bot/turn-effects';
import { Translator } from '../src/i18n/translator';
import type { CodeReply, CodeReplyRecognizer } from '../src/nlu/code-reply-recognizer';
import type { CodeCheckOutcome, CodeConversation, CodeSendOutcome, OneTimeCodes } from '../src/privacy/identity/one-time-code-types';
import { DialogIds, DialogStartOptions } from './dialog-ids';

export interface IdentityCodeDialogDeps {
  /** Sends and checks codes (the one-time code service): the ledger record of a right code is its job. */
  codes: OneTimeCodes;
  /** Reads the answer at the code prompt: a code, "new code", "talk to a person". */
  replies: Pick<CodeReplyRecognizer, 'recognize'>;
  assurance: Pick<CustomerAssurance, 'current' | 'verifiedAs'>;
}

/**
 * How the code dialog ended (a cancel ends it with everything else, before it returns):
 * `verified` — the session is verified now; `person` — the customer asked for a person, whom the
 * caller (the assurance gate) hands the conversation to.
 */
export interface IdentityCodeDialogResult {
  readonly outcome: 'verified' | 'person';
}

/** Which buttons go with a message: ask for a new code, talk to a person. */
type Offer = 'newCode' | 'person';

/** What to say before waiting for the next answer (kept on the stack: a key of locales/, not text). */
interface Lead {
  readonly key: string;
  readonly vars?: Readonly<Record<string, string | number>>;
  readonly offers: readonly Offer[];
}

/** Options of the waterfall: none to send a code first; a lead to ask again after it. */
interface CodeStepOptions extends DialogStartOptions {
  readonly lead?: Lead;
}

const SECONDS_PER_MINUTE = 60;

function minutes(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / SECONDS_PER_MINUTE));
}

/** The conversation a code is bound to: a code typed in another conversation is worthless. */
function codeConversation(context: TurnContext, translator: Translator): CodeConversation {
  const { channelId, conversation } = context.activity;
  return { conversationKey: `${channelId}:${conversation.id}`, channel: channelId, locale: translator.locale };
}

/** What to tell the customer after asking for a code; the same words whether or not the identifier is on file. */
function leadAfterSend(outcome: CodeSendOutcome): Lead {
  switch (outcome.status) {
    case 'sent': {
      const count = minutes(outcome.expiresInSeconds);
      const { hint } = outcome;
      if (hint.kind === 'email') return { key: 'identityCode.sent.email', vars: { masked: hint.masked, count }, offers: [] };
      if (hint.kind === 'phone') return { key: 'identityCode.sent.phone', vars: { lastDigits: hint.lastDigits, count }, offers: [] };
      return { key: 'identityCode.sent.contactOnFile', vars: { count }, offers: [] };
    }
    case 'limited':
      return { key: 'identityCode.limited', vars: { count: minutes(outcome.retryAfterSeconds) }, offers: ['person'] };
    case 'unavailable':
      return { key: 'identityCode.unavailable', offers: ['newCode', 'person'] };
  }
}

/** What to tell the customer after a code that did not verify them. */
function leadAfterCheck(outcome: Exclude<CodeCheckOutcome, { status: 'verified' }>): Lead {
  switch (outcome.status) {
    case 'wrong':
      return { key: 'identityCode.wrong', vars: { count: outcome.attemptsLeft }, offers: [] };
    case 'expired':
      return { key: 'identityCode.expired', offers: ['newCode', 'person'] };
    case 'exhausted':
      return { key: 'identityCode.exhausted', offers: ['newCode', 'person'] };
    case 'none':
      return { key: 'identityCode.none', offers: ['newCode', 'person'] };
  }
}

/**
 * Waits for the answer to "type the code": succeeds with what the answer means, and asks again
 * gently (no try used) when it means nothing we can act on — text that is not a 6-digit code.
 */
class CodeReplyPrompt extends Prompt<CodeReply> {
  constructor(private readonly replies: Pick<CodeReplyRecognizer, 'recognize'>) {
    super(DialogIds.identityCodePrompt);
  }

  protected async onPrompt(context: TurnContext, _state: object, options: PromptOptions, isRetry: boolean): Promise<void> {
    const activity = isRetry && options.retryPrompt ? options.retryPrompt : options.prompt;
    if (activity) await context.sendActivity(activity, undefined, InputHints.ExpectingInput);
  }

  protected async onRecognize(context: TurnContext): Promise<PromptRecognizerResult<CodeReply>> {
    const { type, text } = context.activity;
    if (type !== ActivityTypes.Message || typeof text !== 'string') return { succeeded: false };
    const reply = await this.replies.recognize(text, turnTranslator(context).locale);
    return reply ? { succeeded: true, value: reply } : { succeeded: false };
  }
}

/**
 * Proves the customer holds the contact on file for the identifier they gave, by a one-time code
 * sent there and typed back here. Starts after the identity dialog (the session holds the masked
 * claim, matched or not): asks the code service to send a code and says where, in the same words
 * whether or not the identifier is on file (nothing is sent when it is not, so such a customer can
 * never get past the prompt). Then reads answers until one ends it: the right code makes the
 * session `verified` (the service recorded the verification); a wrong, expired or used-up code
 * gets its own polite answer; "new code" sends again, limits permitting; "talk to a person" ends
 * with `person` for the caller to hand over. "cancel" (the main dialog's interruption) drops it
 * all with nothing recorded.
 */
export class IdentityCodeDialog extends ComponentDialog {
  constructor(private readonly deps: IdentityCodeDialogDeps) {
    super(DialogIds.identityCode);
    this.addDialog(new CodeReplyPrompt(deps.replies));
    this.addDialog(new WaterfallDialog(DialogIds.identityCodeWaterfall, [this.askStep.bind(this), this.answerStep.bind(this)]));
    this.initialDialogId = DialogIds.identityCodeWaterfall;
  }

  /** Sends a code (first time, or "new code") and says so, or says the lead again; then waits for the answer. */
  private async askStep(step: WaterfallStepContext<CodeStepOptions>): Promise<DialogTurnResult> {
    const translator = turnTranslator(step.context);
    const lead = step.options?.lead ?? (await this.send(step.context, translator));
    const options: PromptOptions = { prompt: this.leadActivity(translator, lead), retryPrompt: translator.t('identityCode.retry') };
    return step.prompt(DialogIds.identityCodePrompt, options);
  }

  /** Acts on the answer: checks a code, sends a new one, or ends for a person. */
  private async answerStep(step: WaterfallStepContext<CodeStepOptions>): Promise<DialogTurnResult> {
    const reply = step.result as CodeReply;
    const utterance = step.options?.utterance ?? '';
    if (reply.kind === 'person') return step.endDialog(this.result('person'));
    if (reply.kind === 'newCode') return step.replaceDialog(DialogIds.identityCodeWaterfall, { utterance });
    const translator = turnTranslator(step.context);
    const { context } = step;
    // The message that carried the code: a redelivery of it is answered alike and recorded once.
    const idempotencyKey = `${context.activity.channelId}:${context.activity.conversation.id}:${context.activity.id ?? randomUUID()}`;
    const checked = await onceThisTurn(context, 'identityCode.check', () => this.deps.codes.check(reply.code, codeConversation(context, translator), idempotencyKey));
    if (checked.status !== 'verified') {
      const options: CodeStepOptions = { utterance, lead: leadAfterCheck(checked) };
      return step.replaceDialog(DialogIds.identityCodeWaterfall, options);
    }
    await this.deps.assurance.verifiedAs(context, 'one_time_code', checked.claim);
    await context.sendActivity(translator.t('identityCode.verified'));
    return step.endDialog(this.result('verified'));
  }

  /** Asks the service for a code to the contact on file for the session's claim. */
  private async send(context: TurnContext, translator: Translator): Promise<Lead> {
    const claim = (await this.deps.assurance.current(context)).claim;
    if (!claim) throw new Error('the code dialog needs a claimed identifier: start it after the identity dialog');
    const outcome = await onceThisTurn(context, 'identityCode.send', () => this.deps.codes.send(claim, codeConversation(context, translator)));
    return leadAfterSend(outcome);
  }

  private leadActivity(translator: Translator, lead: Lead): Partial<Activity> {
    const text = translator.t(lead.key, lead.vars);
    if (lead.offers.length === 0) return MessageFactory.text(text);
    const labels: Record<Offer, string> = { newCode: translator.t('identityCode.newCodeButton'), person: translator.t('menu.agent') };
    const actions: CardAction[] = lead.offers.map((offer) => ({ type: ActionTypes.ImBack, title: labels[offer], value: labels[offer] }));
    return MessageFactory.suggestedActions(actions, text);
  }

  private result(outcome: IdentityCodeDialogResult['outcome']): IdentityCodeDialogResult {
    return { outcome };
  }
}
