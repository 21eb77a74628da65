import { randomUUID } from 'node:crypto';
import { TurnContext } from 'botbuilder';
import { ComponentDialog, DialogTurnResult, PromptValidatorContext, TextPrompt, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { requestChannelOf } from '../src/bot/collection-method';
import { customerTimeZone } from '../src/bot/customer-time-zone';
import { storedConversationOf } from '../src/bot/proactive-customer-channel';
import { onceThisTurn } from '../src/bot/turn-effects';
import { turnTranslator } from '../src/bot/turn-locale';
import { isSharedConversation } from '../src/channels/teams/teams-context';
import type { Translator } from '../src/i18n/translator';
import { DataCategoryRecognizer } from '../src/nlu/data-category-recognizer';
import { satisfies } from '../src/privacy/assurance/assurance-policy';
import { REGIME_PROFILES } from '../src/privacy/clocks/regimes';
import type { ConcernTopic, OccurredAt } from '../src/privacy/concerns/concern-types';
import type { ConcernReceipt } from '../src/privacy/concerns/concerns';
import { parseClaimedIdentifier } from '../src/privacy/identity/claimed-identifier';
import { ConcernDialogDeps } from './concern-dialog-deps';
import { ReplyRoute, TOPIC_ORDER, dataQuestion, isLabel, keptText, limitText, receivedText } from './concern-presentation';
import { AssuranceGateOptions, AssuranceGateResult } from './assurance-gate-dialog';
import { question, withMenuButtons } from './consent-presentation';
import { DialogIds, DialogStartOptions, utteranceLocale } from './dialog-ids';
import { HandoffDialogOptions } from './handoff-dialog';
import { customerErrorId } from '../src/log/customer-error-id';

/**
 * A first message of at least this many words is taken as the account of what happened ("I received
 * a letter today that was meant for my neighbour"); a shorter one only asks to report ("I want to
 * report a data breach", "I think my data was leaked"), and "what happened?" is asked.
 */
export const DESCRIPTION_MIN_WORDS = 10;

/** The question a prompt of this dialog is waiting on: the next step reads its answer. */
type Asked = 'topic' | 'description' | 'when' | 'data' | 'reply' | 'contact' | 'gate';

/** A line said before the next question: the introduction, a text that was cut. */
type Lead = 'intro' | 'truncated';

/**
 * Dialog state between the steps (session state, which expires): what the customer has said so far.
 * Nothing is recorded before the last answer, so "cancel" leaves no trace.
 */
interface ConcernValues {
  asked?: Asked;
  lead: Lead[];
  topic?: ConcernTopic;
  description?: string;
  /** undefined: not known yet; null: the customer doesn't know. The instant as ISO text (state is JSON). */
  occurred?: { readonly at: string | null; readonly phrase: string } | null;
  dataCategories?: string[];
  dataPhrase?: string | null;
  subjectId?: string | null;
  contact?: string | null;
  route?: ReplyRoute;
  /** The customer has been told their text was cut. */
  cutTold?: boolean;
}

/** Labels of the topic buttons, in order. */
function topicLabels(translator: Translator): string[] {
  return TOPIC_ORDER.map((topic) => translator.t(`concern.topic.${topic}`));
}

function wordCount(text: string): number {
  return text.split(/\s+/u).filter((word) => /[\p{L}\p{N}]/u.test(word)).length;
}

/**
 * "I want to report a data breach", "I think my data was leaked", "voglio segnalare un problema
 * sulla privacy": anyone may report, without saying who they are. The dialog asks one thing at a
 * time and only what the first message did not say: what it is about (four buttons, or words),
 * what happened (free text, cut politely at the limit), when it happened or was noticed (dates in
 * the customer's words and zone; words it cannot read are kept as said; a date ahead is asked
 * again), which data, and whether they want a reply — then how to reach them, and the contact they
 * give also matches them to their records (the gate, `concern.reply`), so a reply can be about
 * their own data. A session that already knows who the customer is is asked nothing of that.
 * Then `Concerns.report`, once per final message, and only once the ledger has it the customer
 * hears the reference and what happens next, never an outcome; a suspected breach is said to be
 * marked urgent and a person is offered now (handoff, reason `breach`). Nothing the customer
 * wrote is ever said back.
 */
export class ConcernReportDialog extends ComponentDialog {
  private readonly categories: DataCategoryRecognizer;
  private readonly now: () => Date;

  constructor(private readonly deps: ConcernDialogDeps) {
    super(DialogIds.concernReport);
    this.categories = new DataCategoryRecognizer(deps.categories);
    this.now = deps.now ?? (() => new Date());
    this.addDialog(deps.gate);
    this.addDialog(deps.handoff);
    this.addDialog(new TextPrompt(DialogIds.concernTopicPrompt, async (prompt) => this.topicOf(prompt.recognized.value ?? '', prompt.context) !== undefined));
    this.addDialog(new TextPrompt(DialogIds.concernDescriptionPrompt, async (prompt) => hasWords(prompt)));
    // Any answer is kept ("🤷", "no idea"), except a date still to come.
    this.addDialog(new TextPrompt(DialogIds.concernWhenPrompt, async (prompt) => prompt.recognized.succeeded && (prompt.recognized.value ?? '').trim() !== '' && !this.isAhead(prompt.recognized.value ?? '', prompt.context)));
    this.addDialog(new TextPrompt(DialogIds.concernDataPrompt, async (prompt) => hasWords(prompt)));
    this.addDialog(new TextPrompt(DialogIds.concernReplyPrompt, async (prompt) => this.yesNo(prompt) !== undefined));
    this.addDialog(new TextPrompt(DialogIds.concernContactPrompt, async (prompt) => contactOf(prompt.recognized.value ?? '', turnTranslator(prompt.context).locale) !== undefined));
    this.addDialog(new TextPrompt(DialogIds.concernOfferPrompt, async (prompt) => this.yesNo(prompt) !== undefined));
    this.addDialog(
      new WaterfallDialog(DialogIds.concernReportWaterfall, [
        this.firstMessageStep.bind(this),
        this.topicStep.bind(this),
        this.descriptionStep.bind(this),
        this.whenStep.bind(this),
        this.dataStep.bind(this),
        this.replyStep.bind(this),
        this.contactStep.bind(this),
        this.gateStep.bind(this),
        this.reportStep.bind(this),
        this.offerStep.bind(this),
        this.endStep.bind(this),
      ]),
    );
    this.initialDialogId = DialogIds.concernReportWaterfall;
  }

  /**
   * Fills what the first message already says: the topic, a date, and — from a message long enough
   * to be the account of what happened — that account and the data it names. A short request is not
   * read for data: "my account was hacked" names the ledger's "account" category by chance, not as
   * the answer to "which data?".
   */
  private async firstMessageStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const values = this.values(step);
    values.lead = ['intro'];
    const utterance = step.options?.utterance ?? '';
    const locale = utteranceLocale(step.options, turnTranslator(step.context).locale);
    values.topic = this.deps.topics.recognize(utterance, locale);
    const date = this.deps.dates.find(this.dateQuery(utterance, step.context, locale));
    if (date && date.at.getTime() <= this.now().getTime()) values.occurred = { at: date.at.toISOString(), phrase: date.words };
    if (wordCount(utterance) < DESCRIPTION_MIN_WORDS) return step.next();
    this.keepDescription(values, utterance);
    const named = this.categories.recognize(utterance, locale);
    if (named.length > 0) {
      values.dataCategories = named;
      values.dataPhrase = null;
    }
    return step.next();
  }

  private async topicStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (this.values(step).topic) return step.next();
    const translator = turnTranslator(step.context);
    return this.ask(step, 'topic', DialogIds.concernTopicPrompt, translator.t('concern.ask.topic'), translator.t('concern.retry.topic'), topicLabels(translator));
  }

  private async descriptionStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const values = this.values(step);
    if (this.answered(step, 'topic')) values.topic = this.topicOf(String(step.result), step.context);
    if (values.description !== undefined) return step.next();
    const translator = turnTranslator(step.context);
    return this.ask(step, 'description', DialogIds.concernDescriptionPrompt, translator.t('concern.ask.description'), translator.t('concern.retry.description'));
  }

  private async whenStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const values = this.values(step);
    if (this.answered(step, 'description')) this.keepDescription(values, String(step.result));
    if (values.occurred !== undefined) return step.next();
    const translator = turnTranslator(step.context);
    return this.ask(step, 'when', DialogIds.concernWhenPrompt, translator.t('concern.ask.when'), translator.t('concern.retry.when'), [translator.t('concern.notSure')]);
  }

  private async dataStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const values = this.values(step);
    const translator = turnTranslator(step.context);
    if (this.answered(step, 'when')) {
      const answer = String(step.result);
      values.occurred = isLabel(answer, translator.t('concern.notSure')) ? null : this.occurredOf(values, answer, step.context);
    }
    if (values.dataCategories !== undefined) return step.next();
    return this.ask(step, 'data', DialogIds.concernDataPrompt, dataQuestion(this.deps.categories, translator), translator.t('concern.retry.data'), [translator.t('concern.notSure')]);
  }

  /** Who the customer is, when the session knows it already; else, outside a shared chat, whether they want a reply. */
  private async replyStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const values = this.values(step);
    const translator = turnTranslator(step.context);
    if (this.answered(step, 'data')) {
      const answer = String(step.result);
      const unsure = isLabel(answer, translator.t('concern.notSure'));
      values.dataCategories = unsure ? [] : this.categories.recognize(answer, translator.locale);
      values.dataPhrase = unsure ? null : this.kept(values, answer);
    }
    const held = await this.deps.assurance.current(step.context);
    values.subjectId = satisfies(held.level, 'identified') ? (held.claim?.subjectId ?? null) : null;
    // Personal data stays out of a group chat or channel: no contact details asked there.
    if (isSharedConversation(step.context.activity)) {
      values.route = 'shared';
      return step.next();
    }
    const yesNo = [translator.t('concern.reply.yes'), translator.t('concern.reply.no')];
    return this.ask(step, 'reply', DialogIds.concernReplyPrompt, translator.t('concern.ask.reply'), translator.t('concern.retry.reply'), yesNo);
  }

  private async contactStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const values = this.values(step);
    if (!this.answered(step, 'reply')) return step.next();
    const translator = turnTranslator(step.context);
    if (this.deps.yesNo.recognize(String(step.result), translator.locale) !== 'yes') {
      values.route = 'none';
      return step.next();
    }
    if (values.subjectId) {
      values.route = 'onFile';
      return step.next();
    }
    return this.ask(step, 'contact', DialogIds.concernContactPrompt, translator.t('concern.ask.contact'), translator.t('concern.retry.contact'));
  }

  /** The contact typed is where to reply, and it is also who they say they are: the gate looks it up (the customer hears "noted" either way). */
  private async gateStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (!this.answered(step, 'contact')) return step.next();
    const values = this.values(step);
    const answer = String(step.result);
    values.contact = contactOf(answer, turnTranslator(step.context).locale) ?? null;
    values.route = 'contact';
    values.asked = 'gate';
    const options: AssuranceGateOptions = { action: 'concern.reply', utterance: answer };
    return step.beginDialog(DialogIds.assuranceGate, options);
  }

  /** Records the report (once per final message) and says so only once the ledger has it. */
  private async reportStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const values = this.values(step);
    const translator = turnTranslator(step.context);
    if (this.answered(step, 'gate') && (step.result as AssuranceGateResult | undefined)?.granted) {
      values.subjectId = (await this.deps.assurance.current(step.context)).claim?.subjectId ?? null;
    }
    let receipt: ConcernReceipt;
    try {
      receipt = await this.report(step.context, values, translator);
    } catch (error) {
      const errorId = customerErrorId();
      this.deps.logger.error({ err: error, errorId, module: 'concern-report-dialog' }, 'concern report could not be recorded');
      return this.finish(step, translator.t('concern.failed', { errorId }));
    }
    const route = values.route ?? 'none';
    const text = receivedText(receipt.reference, route, receipt.suspectedBreach, translator);
    // A cut in the last answer (or one the service made) has not been told yet: it is, before the reference.
    const cutNote = values.lead.includes('truncated') || (receipt.truncated && !values.cutTold) ? `${translator.t('concern.truncated', { limit: limitText(translator) })}\n\n` : '';
    if (!receipt.suspectedBreach || route === 'shared') return this.finish(step, `${cutNote}${text}`);
    values.asked = undefined;
    const yesNo = [translator.t('concern.breach.yes'), translator.t('concern.breach.no')];
    return step.prompt(DialogIds.concernOfferPrompt, {
      prompt: question(`${cutNote}${text} ${translator.t('concern.breach.offer')}`, yesNo),
      retryPrompt: question(translator.t('concern.retry.offer'), yesNo),
    });
  }

  /** A suspected breach: "yes" hands over to a person now, with the reason the agents' queue shows first. */
  private async offerStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const translator = turnTranslator(step.context);
    if (this.deps.yesNo.recognize(String(step.result ?? ''), translator.locale) !== 'yes') return this.finish(step, translator.t('concern.breach.declined'));
    const options: HandoffDialogOptions = { utterance: String(step.result), reason: 'breach' };
    return step.beginDialog(DialogIds.handoff, options);
  }

  /** Back from the handoff, which has said its own last word. */
  private async endStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.endDialog();
  }

  private async report(context: TurnContext, values: ConcernValues, translator: Translator): Promise<ConcernReceipt> {
    const { activity } = context;
    const subjectId = values.subjectId ?? null;
    const activityId = activity.id ?? `${activity.conversation.id}:${activity.timestamp?.toString() ?? ''}`;
    // The channel's activity id keys the ledger write: a redelivered last answer gives back the report the first one made.
    const idempotencyKey = `chat:${activity.conversation.id}:${activityId}`;
    const occurred: OccurredAt | null = values.occurred ? { at: values.occurred.at === null ? null : new Date(values.occurred.at), phrase: values.occurred.phrase } : null;
    return onceThisTurn(context, `concern.report:${idempotencyKey}`, () =>
      this.deps.concerns.report(
        {
          subjectId,
          topic: values.topic ?? 'other',
          description: values.description ?? '',
          occurred,
          dataCategories: values.dataCategories ?? [],
          dataPhrase: values.dataPhrase ?? null,
          contact: values.contact ?? null,
          channel: requestChannelOf(activity.channelId),
          conversation: storedConversationOf(context),
          locale: translator.locale,
          timeZone: this.zoneOf(context),
        },
        { actor: subjectId ? `customer:${subjectId}` : 'customer:anonymous', reason: 'customer reported a concern in chat', idempotencyKey },
      ),
    );
  }

  /** Asks one question, after whatever has to be said first (the introduction, a cut). */
  private async ask(step: WaterfallStepContext, asked: Asked, promptId: string, text: string, retry: string, buttons: readonly string[] = []): Promise<DialogTurnResult> {
    const values = this.values(step);
    const translator = turnTranslator(step.context);
    const lead = values.lead.map((line) => (line === 'truncated' ? translator.t('concern.truncated', { limit: limitText(translator) }) : translator.t(`concern.${line}`)));
    if (values.lead.includes('truncated')) values.cutTold = true;
    values.lead = [];
    values.asked = asked;
    const prompt = [...lead, text].join('\n\n');
    const withButtons = (said: string) => (buttons.length > 0 ? question(said, buttons) : said);
    return step.prompt(promptId, { prompt: withButtons(prompt), retryPrompt: withButtons(retry) });
  }

  private answered(step: WaterfallStepContext, asked: Asked): boolean {
    const values = this.values(step);
    if (values.asked !== asked) return false;
    values.asked = undefined;
    return true;
  }

  private keepDescription(values: ConcernValues, text: string): void {
    values.description = this.kept(values, text);
  }

  /** The text as kept; a cut is told before the next question. */
  private kept(values: ConcernValues, text: string): string {
    const kept = keptText(text);
    if (kept.cut && !values.lead.includes('truncated')) values.lead.push('truncated');
    return kept.text;
  }

  private occurredOf(values: ConcernValues, answer: string, context: TurnContext): { at: string | null; phrase: string } {
    const read = this.deps.dates.read(this.dateQuery(answer, context));
    return { at: read.at?.toISOString() ?? null, phrase: this.kept(values, read.phrase) };
  }

  private isAhead(text: string, context: TurnContext): boolean {
    if (isLabel(text, turnTranslator(context).t('concern.notSure'))) return false;
    const found = this.deps.dates.find(this.dateQuery(text, context));
    return found !== undefined && found.at.getTime() > this.now().getTime();
  }

  /** Dates are read in `locale` when given (the opening message's language), else the session's. */
  private dateQuery(text: string, context: TurnContext, locale: string = turnTranslator(context).locale): { text: string; locale: string; timeZone: string; now: Date } {
    return { text, locale, timeZone: this.zoneOf(context), now: this.now() };
  }

  private zoneOf(context: TurnContext): string {
    return customerTimeZone(context, this.deps.defaultTimeZone ?? REGIME_PROFILES.gdpr.defaultZone);
  }

  private topicOf(text: string, context: TurnContext): ConcernTopic | undefined {
    const translator = turnTranslator(context);
    return TOPIC_ORDER.find((topic) => isLabel(text, translator.t(`concern.topic.${topic}`))) ?? this.deps.topics.recognize(text, translator.locale);
  }

  private yesNo(prompt: PromptValidatorContext<string>): 'yes' | 'no' | undefined {
    return this.deps.yesNo.recognize(prompt.recognized.value ?? '', turnTranslator(prompt.context).locale);
  }

  private async finish(step: WaterfallStepContext, text: string): Promise<DialogTurnResult> {
    await step.context.sendActivity(withMenuButtons(text, turnTranslator(step.context), this.deps.menu));
    return step.endDialog();
  }

  private values(step: WaterfallStepContext): ConcernValues {
    const values = step.values as ConcernValues;
    values.lead ??= [];
    return values;
  }
}

function hasWords(prompt: PromptValidatorContext<string>): boolean {
  return prompt.recognized.succeeded && /[\p{L}\p{N}]/u.test(prompt.recognized.value ?? '');
}

/** An email address or a phone number the privacy team can reply to (a customer number is not one). */
function contactOf(text: string, locale: string): string | undefined {
  const found = parseClaimedIdentifier(text, locale);
  return found && found.kind !== 'customer_number' ? found.value : undefined;
}
