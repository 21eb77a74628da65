import { ComponentDialog, DialogTurnResult, TextPrompt, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { requestChannelOf } from '../src/bot/collection-method';
import { customerTimeZone } from '../src/bot/customer-time-zone';
import { storedConversationOf } from '../src/bot/proactive-customer-channel';
import { onceThisTurn } from '../src/bot/turn-effects';
import { turnTranslator } from '../src/bot/turn-locale';
import { isSharedConversation } from '../src/channels/teams/teams-context';
import type { Translator } from '../src/i18n/translator';
import { DataCategoryRecognizer } from '../src/nlu/data-category-recognizer';
import type { AccessRequestOutcome } from '../src/privacy/access/access-requests';
import { REGIME_PROFILES, Regime } from '../src/privacy/clocks/regimes';
import { AccessDialogDeps } from './access-dialog-deps';
import { deadlineText, openCaseFacts, scopeText } from './access-presentation';
import { AssuranceGateOptions, AssuranceGateResult } from './assurance-gate-dialog';
import { Reader, question, withMenuButtons } from './consent-presentation';
import { DialogIds, DialogStartOptions, utteranceLocale } from './dialog-ids';
import { customerErrorId } from '../src/log/customer-error-id';

/** What a confirmation settled, carried into a new round of the waterfall when the customer changes the categories. */
interface Settled {
  readonly subjectId: string;
  readonly categories: string[] | null;
}

interface DataCopyOptions extends DialogStartOptions {
  /** Past the gate already: the customer named other categories at the confirmation, which is asked again. */
  readonly settled?: Settled;
}

/** Dialog state between the steps: ids only, no personal data. */
interface DataCopyValues {
  subjectId?: string;
  /** Category ids the customer named; null = everything. */
  categories?: string[] | null;
  /** The subject's regime, from the preview: its zone stands in for a customer whose client names none. */
  regime?: Regime;
}

/**
 * "I want a copy of my data": behind the assurance gate (verified: the copy holds everything we
 * know about the person). A subject with a case still open hears about it and gets no second one.
 * Otherwise one message says what will happen (which data, the format, the legal deadline in the
 * regime's words and the customer's zone, how they will hear) and asks yes or no; naming
 * categories instead narrows the request and asks again. "Yes" opens the case, and only once the
 * ledger has it does the customer hear "received", with the reference. "No" requests nothing.
 */
export class DataCopyDialog extends ComponentDialog {
  private readonly categories: DataCategoryRecognizer;

  constructor(private readonly deps: AccessDialogDeps) {
    super(DialogIds.dataCopy);
    this.categories = new DataCategoryRecognizer(deps.access.categories);
    this.addDialog(deps.gate);
    this.addDialog(
      new TextPrompt(DialogIds.dataCopyConfirmPrompt, async (prompt) => {
        const text = prompt.recognized.value ?? '';
        const locale = turnTranslator(prompt.context).locale;
        return this.deps.yesNo.recognize(text, locale) !== undefined || this.categories.recognize(text, locale).length > 0;
      }),
    );
    this.addDialog(new WaterfallDialog(DialogIds.dataCopyWaterfall, [this.gateStep.bind(this), this.confirmStep.bind(this), this.decideStep.bind(this)]));
    this.initialDialogId = DialogIds.dataCopyWaterfall;
  }

  private async gateStep(step: WaterfallStepContext<DataCopyOptions>): Promise<DialogTurnResult> {
    const values = this.values(step);
    const settled = step.options?.settled;
    if (settled) {
      values.subjectId = settled.subjectId;
      values.categories = settled.categories;
      return step.next();
    }
    const utterance = step.options?.utterance ?? '';
    const named = this.categories.recognize(utterance, utteranceLocale(step.options, turnTranslator(step.context).locale));
    values.categories = named.length > 0 ? named : null;
    const options: AssuranceGateOptions = { action: 'data.copy', utterance };
    return step.beginDialog(DialogIds.assuranceGate, options);
  }

  /** Past the gate: an open case is said and kept; else the one confirming question. */
  private async confirmStep(step: WaterfallStepContext<DataCopyOptions>): Promise<DialogTurnResult> {
    const translator = turnTranslator(step.context);
    const values = this.values(step);
    if (!values.subjectId) {
      const gate = step.result as AssuranceGateResult | undefined;
      if (gate && !gate.granted && gate.level === 'anonymous' && !isSharedConversation(step.context.activity)) return this.finish(step, translator.t('access.notMatched'));
      if (!gate?.granted) return step.endDialog();
      values.subjectId = (await this.deps.assurance.current(step.context)).claim?.subjectId;
      if (!values.subjectId) return this.finish(step, translator.t('access.notMatched'));
    }
    const preview = await this.deps.access.preview(values.subjectId);
    values.regime = preview.regime;
    const reader = this.reader(step, translator, preview.regime);
    if (preview.openCase) return this.finish(step, translator.t('access.openCase', openCaseFacts(preview.openCase, reader)));
    const text = translator.t('access.confirm.ask', {
      scope: scopeText(values.categories ?? null, this.deps.access.categories, translator),
      deadline: deadlineText(preview.regime, preview.dueAt, reader),
    });
    const yesNo = [translator.t('access.confirm.yes'), translator.t('access.confirm.no')];
    return step.prompt(DialogIds.dataCopyConfirmPrompt, { prompt: question(text, yesNo), retryPrompt: question(translator.t('access.confirm.retry'), yesNo) });
  }

  /**
   * Other categories named ("only my orders", even after a "yes"): asked again with those, so a
   * "yes" always covers exactly what the last question said. Then "no" ends; "yes" opens the case.
   */
  private async decideStep(step: WaterfallStepContext<DataCopyOptions>): Promise<DialogTurnResult> {
    const translator = turnTranslator(step.context);
    const values = this.values(step);
    const answer = String(step.result ?? '');
    const named = this.categories.recognize(answer, translator.locale);
    const yesNo = this.deps.yesNo.recognize(answer, translator.locale);
    if (named.length > 0 && (yesNo === undefined || !sameCategories(named, values.categories ?? null))) {
      const options: DataCopyOptions = { utterance: answer, settled: { subjectId: values.subjectId ?? '', categories: named } };
      return step.replaceDialog(DialogIds.dataCopyWaterfall, options);
    }
    if (yesNo !== 'yes') return this.finish(step, translator.t('access.declined'));
    return this.request(step, translator, values);
  }

  /** Opens the case (once per confirming message, whichever instance or attempt runs it) and says so only after the ledger has it. */
  private async request(step: WaterfallStepContext, translator: Translator, values: DataCopyValues): Promise<DialogTurnResult> {
    const { context } = step;
    const { activity } = context;
    const subjectId = values.subjectId ?? '';
    const activityId = activity.id ?? `${activity.conversation.id}:${activity.timestamp?.toString() ?? ''}`;
    // The channel's activity id keys the ledger write: a redelivered "yes" gives back the case the first one opened.
    const idempotencyKey = `chat:${activity.conversation.id}:${activityId}`;
    let outcome: AccessRequestOutcome;
    try {
      const held = await this.deps.assurance.current(context);
      outcome = await onceThisTurn(context, `access.request:${idempotencyKey}`, () =>
        this.deps.access.request(
          {
            subjectId,
            categories: values.categories ?? null,
            channel: requestChannelOf(activity.channelId),
            conversation: storedConversationOf(context),
            locale: translator.locale,
            timeZone: customerTimeZone(context, REGIME_PROFILES[values.regime ?? 'gdpr'].defaultZone),
            contactKind: held.claim?.kind ?? null,
          },
          { actor: `customer:${subjectId}`, reason: 'customer asked for a copy of their data in chat', idempotencyKey },
        ),
      );
    } catch (error) {
      const errorId = customerErrorId();
      this.deps.logger.error({ err: error, errorId, module: 'data-copy-dialog' }, 'access request could not be opened');
      return this.finish(step, translator.t('access.failed', { errorId }));
    }
    const opened = outcome.case;
    const reader = this.reader(step, translator, opened.regime);
    if (outcome.reused) return this.finish(step, translator.t('access.reused', openCaseFacts(opened, reader)));
    return this.finish(
      step,
      translator.t('access.received', {
        reference: opened.reference,
        received: openCaseFacts(opened, reader).received,
        deadline: deadlineText(opened.regime, opened.effectiveDueAt, reader),
      }),
    );
  }

  /** Dates in the customer's zone; the regime's own zone when their client names none. */
  private reader(step: WaterfallStepContext, translator: Translator, regime: Regime): Reader {
    return { translator, zone: customerTimeZone(step.context, REGIME_PROFILES[regime].defaultZone) };
  }

  private async finish(step: WaterfallStepContext, text: string): Promise<DialogTurnResult> {
    await step.context.sendActivity(withMenuButtons(text, turnTranslator(step.context), this.deps.menu));
    return step.endDialog();
  }

  private values(step: WaterfallStepContext): DataCopyValues {
    return step.values as DataCopyValues;
  }
}

function sameCategories(named: readonly string[], current: readonly string[] | null): boolean {
  return current !== null && named.length === current.length && named.every((id) => current.includes(id));
}
