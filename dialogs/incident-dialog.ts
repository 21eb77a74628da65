import { ActionTypes, Activity, CardAction, MessageFactory, TurnContext } from 'botbuilder';
import { ComponentDialog, Dialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import type { CustomerAssurance } from '../src/bot/customer-assurance';
import type { IncidentConversation } from '../src/bot/incident-topic';
import { turnTranslator } from '../src/bot/turn-locale';
import { isSharedConversation } from '../src/channels/teams/teams-context';
import type { ShippedLocale } from '../src/i18n/shipped-locales';
import type { Translator } from '../src/i18n/translator';
import type { Logger } from '../src/log/logger';
import type { IncidentQuestionMatcher } from '../src/nlu/incident-question-matcher';
import type { Concerns } from '../src/privacy/concerns/concerns';
import { fallbackNote, noticeFor, noticeSections } from '../src/privacy/concerns/incident-notice-text';
import type { PublishedNotice, PublishedNoticeCache } from '../src/privacy/concerns/published-notice-cache';
import type { AssuranceGateOptions, AssuranceGateResult } from './assurance-gate-dialog';
import { DialogIds, DialogStartOptions } from './dialog-ids';
import type { TextRoute } from './main-dialog';
import { MenuEntry, menuActivity, menuLabels } from './menu';
import { customerErrorId } from '../src/log/customer-error-id';

/** What incident mode needs. */
export interface IncidentDialogDeps {
  /** The published notice, from memory (read from the ledger at most every few seconds). */
  readonly notices: Pick<PublishedNoticeCache, 'current'>;
  readonly questions: Pick<IncidentQuestionMatcher, 'classify'>;
  /** "Was my data affected?", for the verified subject only. */
  readonly concerns: Pick<Concerns, 'isAffected'>;
  readonly assurance: Pick<CustomerAssurance, 'current'>;
  /** Remembers that the conversation is about the incident (a person asked for next is a surge agent's). */
  readonly conversation: Pick<IncidentConversation, 'noted'>;
  /** The assurance gate (one instance, added as a child of each dialog). */
  readonly gate: Dialog;
  readonly menu: readonly MenuEntry[];
  /** The language a notice missing the customer's falls back to. */
  readonly defaultLocale: ShippedLocale;
  /** Where a check that failed is logged, with the id the customer is given. */
  readonly logger: Logger;
}

/** Dialog state between the steps: the incident asked about, no personal data. */
interface IncidentValues {
  incidentReference?: string;
}

/** The notice the route matched on, handed to the dialog in the same turn (no second read, no race with a withdrawal). */
const ROUTED_NOTICE = Symbol('psb.incident.routedNotice');

/**
 * Incident mode: while the privacy team has an incident notice published, questions about it are
 * answered from the notice before anything else (a text route, ahead of the classifier).
 *
 * - "What happened?", "what should I do?", "cosa è successo?": the notice in the customer's language
 *   (else the default language, with a note saying so), then "Was my data affected?", a person, and the menu.
 * - "Was my data affected?": behind the assurance gate (verified: whether a person is among the
 *   affected is personal data); then yes or no for the verified person only, with what to do next.
 *   Nothing about any identifier is said before verification.
 *
 * Either way the conversation is noted as about the incident, so a person it asks for next is queued
 * as an `incident` handoff (see IncidentConversation).
 */
export class IncidentDialog extends ComponentDialog {
  /** For `MainDialogDeps.textRoutes`, first: an incident question while a notice is published. */
  readonly route: TextRoute;

  constructor(private readonly deps: IncidentDialogDeps) {
    super(DialogIds.incident);
    this.addDialog(deps.gate);
    this.addDialog(new WaterfallDialog(DialogIds.incidentWaterfall, [this.answerStep.bind(this), this.affectedStep.bind(this)]));
    this.initialDialogId = DialogIds.incidentWaterfall;
    this.route = Object.freeze({
      dialogId: DialogIds.incident,
      // The phrase lists first (cheap, no I/O): only a question about an incident looks at the notice.
      matches: async (text: string, context: TurnContext) => {
        if (deps.questions.classify(text) === undefined) return false;
        const notice = await deps.notices.current();
        if (!notice || !noticeFor(notice.texts, deps.defaultLocale, deps.defaultLocale)) return false;
        context.turnState.set(ROUTED_NOTICE, notice);
        return true;
      },
    });
  }

  /** The notice for a question about it; the gate first for "was my data affected?". */
  private async answerStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const utterance = step.options?.utterance ?? '';
    const notice = await this.noticeOfTurn(step.context);
    const translator = turnTranslator(step.context);
    if (!notice) {
      // Withdrawn between the route and here (the route hands its notice over, so only a dialog started otherwise gets here).
      await step.context.sendActivity(menuActivity(translator, this.deps.menu, translator.t('bot.fallback')));
      return step.endDialog();
    }
    await this.deps.conversation.noted(step.context, notice.incidentReference);
    if (this.deps.questions.classify(utterance) !== 'affected') return this.finish(step, this.noticeText(notice, translator), this.suggestions(translator, true));
    (step.values as IncidentValues).incidentReference = notice.incidentReference;
    // Why the gate asks who they are; in a group chat the gate itself says "not here".
    if (!isSharedConversation(step.context.activity) && (await this.deps.assurance.current(step.context)).level !== 'verified') await step.context.sendActivity(translator.t('incident.affected.intro'));
    const options: AssuranceGateOptions = { action: 'incident.affected', utterance };
    return step.beginDialog(DialogIds.assuranceGate, options);
  }

  /** Past the gate: yes or no for the verified person, with what to do next. */
  private async affectedStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const translator = turnTranslator(step.context);
    const gate = step.result as AssuranceGateResult | undefined;
    if (gate && !gate.granted && gate.level === 'anonymous' && !isSharedConversation(step.context.activity)) return this.finish(step, translator.t('incident.affected.notMatched'), this.suggestions(translator, false));
    // Not granted otherwise: the gate (or the person who could not verify) has told the customer why.
    if (!gate?.granted) return step.endDialog();
    const subjectId = (await this.deps.assurance.current(step.context)).claim?.subjectId;
    if (!subjectId) return this.finish(step, translator.t('incident.affected.notMatched'), this.suggestions(translator, false));
    const incidentReference = (step.values as IncidentValues).incidentReference ?? '';
    let affected: boolean;
    try {
      affected = await this.deps.concerns.isAffected(incidentReference, subjectId);
    } catch (error) {
      const errorId = customerErrorId();
      this.deps.logger.error({ err: error, errorId, module: 'incident-dialog', incident: incidentReference }, 'whether the customer was affected could not be checked');
      return this.finish(step, translator.t('incident.affected.failed', { errorId }), this.suggestions(translator, false));
    }
    return this.finish(step, this.affectedText(affected, incidentReference, await this.deps.notices.current(), translator), this.suggestions(translator, false));
  }

  /** The notice in the customer's language, or the fallback's with the note; the way on. */
  private noticeText(notice: PublishedNotice, translator: Translator): string {
    const shown = noticeFor(notice.texts, translator.locale, this.deps.defaultLocale);
    if (!shown) return translator.t('bot.fallback');
    const person = this.personLabel(translator);
    return [
      ...[fallbackNote(shown, translator)].filter((note) => note !== undefined),
      translator.t('incident.notice.lead'),
      noticeSections(shown.text, translator, 'chat'),
      person ? translator.t('incident.notice.closing', { affected: translator.t('incident.suggest.affected'), person }) : translator.t('incident.notice.closingNoPerson', { affected: translator.t('incident.suggest.affected') }),
    ].join('\n\n');
  }

  /** "Yes"/"no" and, for yes, what the notice says to do (when it is still the published one). */
  private affectedText(affected: boolean, incidentReference: string, notice: PublishedNotice | undefined, translator: Translator): string {
    const person = this.personLabel(translator);
    const closing = person ? [translator.t('incident.affected.person', { person })] : [];
    if (!affected) return [translator.t('incident.affected.no'), ...closing].join('\n\n');
    const shown = notice?.incidentReference === incidentReference ? noticeFor(notice.texts, translator.locale, this.deps.defaultLocale) : undefined;
    const advice = shown?.text.whatYouShouldDo.trim();
    return [translator.t('incident.affected.yes'), ...(advice ? [`**${translator.t('incident.notice.heading.whatYouShouldDo')}**\n${advice}`] : []), ...closing].join('\n\n');
  }

  /** "Was my data affected?" (after the notice), a person, then the rest of the menu. */
  private suggestions(translator: Translator, offerCheck: boolean): string[] {
    const person = this.personLabel(translator);
    const rest = menuLabels(translator, this.deps.menu).filter((label) => label !== person);
    return [...(offerCheck ? [translator.t('incident.suggest.affected')] : []), ...(person ? [person] : []), ...rest];
  }

  /** The menu's "Talk to a person", when a person is offered at all. */
  private personLabel(translator: Translator): string | undefined {
    const entry = this.deps.menu.find((candidate) => candidate.id === 'agent.request');
    return entry ? translator.t(entry.labelKey) : undefined;
  }

  private async noticeOfTurn(context: TurnContext): Promise<PublishedNotice | undefined> {
    return (context.turnState.get(ROUTED_NOTICE) as PublishedNotice | undefined) ?? (await this.deps.notices.current());
  }

  private async finish(step: WaterfallStepContext, text: string, labels: readonly string[]): Promise<DialogTurnResult> {
    await step.context.sendActivity(buttons(text, labels));
    return step.endDialog();
  }
}

function buttons(text: string, labels: readonly string[]): Partial<Activity> {
  const actions: CardAction[] = labels.map((label) => ({ type: ActionTypes.ImBack, title: label, value: label }));
  return MessageFactory.suggestedActions(actions, text);
}
