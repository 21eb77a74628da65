import { ComponentDialog, DialogTurnResult, TextPrompt, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { customerTimeZone } from '../src/bot/customer-time-zone';
import { turnTranslator } from '../src/bot/turn-locale';
import { isSharedConversation } from '../src/channels/teams/teams-context';
import type { Translator } from '../src/i18n/translator';
import { satisfies } from '../src/privacy/assurance/assurance-policy';
import { ConsentPair, pairsToChange } from '../src/privacy/consent/consent-scope';
import { saleOptOutPairs } from '../src/privacy/consent/sale-opt-out';
import { AssuranceGateOptions, AssuranceGateResult } from './assurance-gate-dialog';
import { ConsentDialogDeps } from './consent-dialog-deps';
import { newChangeId, recordConfirmedChange } from './consent-recording';
import { channelName, listOf, question, receiptLines, timeFor, withMenuButtons } from './consent-presentation';
import { DialogIds, DialogStartOptions } from './dialog-ids';

/** What the flow has settled (dialog state: ids only, no personal data). */
interface OptOutValues {
  subjectId?: string;
  /** The pairs a "yes" records. */
  pairs?: ConsentPair[];
  /** The opt-out the confirmation asks about: keys the ledger write, so any "yes" to it records it once. */
  changeId?: string;
}

/**
 * The CCPA opt-out of the sale or sharing of personal information ("do not sell or share my
 * personal information"): a request of its own, not a question about marketing channels. The
 * customer only has to say whom it is for (`identified`: the CCPA regulations do not let a
 * business demand verification for it); one question, then the opt-out is recorded against every
 * purpose that sells or shares data (partner sharing) on every channel, with its receipt — of the
 * change only, and a notice to the contact on file, when the customer is not verified.
 */
export class SaleOptOutDialog extends ComponentDialog {
  private readonly scope: readonly ConsentPair[];

  constructor(private readonly deps: ConsentDialogDeps) {
    super(DialogIds.consentOptOutSale);
    this.scope = saleOptOutPairs(deps.consents.catalog);
    this.addDialog(deps.gate);
    this.addDialog(new TextPrompt(DialogIds.consentOptOutSaleConfirmPrompt, async (prompt) => this.deps.yesNo.recognize(prompt.recognized.value ?? '', turnTranslator(prompt.context).locale) !== undefined));
    this.addDialog(new WaterfallDialog(DialogIds.consentOptOutSaleWaterfall, [this.gateStep.bind(this), this.confirmStep.bind(this), this.recordStep.bind(this)]));
    this.initialDialogId = DialogIds.consentOptOutSaleWaterfall;
  }

  /** Whom it is for: the gate asks for an identifier unless the session has one. */
  private async gateStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const options: AssuranceGateOptions = { action: 'consent.optOutSale', utterance: step.options?.utterance ?? '' };
    return step.beginDialog(DialogIds.assuranceGate, options);
  }

  /** One question naming what the opt-out covers; a verified customer already opted out is told so. */
  private async confirmStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const gate = step.result as AssuranceGateResult | undefined;
    const translator = turnTranslator(step.context);
    if (gate && !gate.granted && gate.level === 'anonymous' && !isSharedConversation(step.context.activity)) return this.finish(step, translator.t('consent.notMatched'));
    if (!gate?.granted) return step.endDialog();
    const values = step.values as OptOutValues;
    values.subjectId = (await this.deps.assurance.current(step.context)).claim?.subjectId;
    if (!values.subjectId) return this.finish(step, translator.t('consent.notMatched'));
    // Only a verified customer may see their consents: for an identified one the whole scope is recorded, revealing nothing.
    const mayShowState = satisfies(gate.level, this.deps.assurance.required('consent.view'));
    values.pairs = mayShowState ? pairsToChange('withdraw', this.scope, await this.deps.consents.current(values.subjectId)) : [...this.scope];
    if (values.pairs.length === 0) return this.finish(step, translator.t('consent.optOutSale.already'));
    values.changeId = newChangeId();
    const yesNo = [translator.t('consent.confirm.yes'), translator.t('consent.confirm.no')];
    return step.prompt(DialogIds.consentOptOutSaleConfirmPrompt, {
      prompt: question(translator.t('consent.optOutSale.confirm', { channels: this.channels(translator) }), yesNo),
      retryPrompt: question(translator.t('consent.confirm.retry'), yesNo),
    });
  }

  /** "Yes": recorded with its receipt before the customer hears "done". "No": nothing recorded. */
  private async recordStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const translator = turnTranslator(step.context);
    const values = step.values as OptOutValues;
    if (this.deps.yesNo.recognize(String(step.result ?? ''), translator.locale) !== 'yes') return this.finish(step, translator.t('consent.declined'));
    const outcome = await recordConfirmedChange(step.context, this.deps, 'consent.optOutSale', { subjectId: values.subjectId ?? '', direction: 'withdraw', pairs: values.pairs ?? [], basis: 'sale_opt_out', changeId: values.changeId });
    const recorded = (await this.deps.saleOptOuts?.get(step.context)) ?? [];
    if (!recorded.includes(outcome.events[0].subjectId)) await this.deps.saleOptOuts?.set(step.context, [...recorded, outcome.events[0].subjectId]);
    const done = translator.t('consent.optOutSale.done', { time: timeFor(outcome.effectiveAt, { translator, zone: customerTimeZone(step.context) }), channels: this.channels(translator) });
    return this.finish(step, [done, ...receiptLines(outcome, translator)].join('\n\n'));
  }

  /** "email, SMS, phone, and post": the channels the opt-out covers. */
  private channels(translator: Translator): string {
    return listOf(
      [...new Set(this.scope.map((pair) => pair.channel))].map((channel) => channelName(channel, translator)),
      translator,
    );
  }

  private async finish(step: WaterfallStepContext, text: string): Promise<DialogTurnResult> {
    await step.context.sendActivity(withMenuButtons(text, turnTranslator(step.context), this.deps.menu));
    return step.endDialog();
  }
}
