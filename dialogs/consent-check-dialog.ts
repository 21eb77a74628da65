import { ComponentDialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { customerTimeZone } from '../src/bot/customer-time-zone';
import { turnTranslator } from '../src/bot/turn-locale';
import { scopeFromRequest } from '../src/privacy/consent/consent-scope';
import { AssuranceGateOptions, AssuranceGateResult } from './assurance-gate-dialog';
import { ConsentDialogDeps } from './consent-dialog-deps';
import { Reader, historyActivity, overviewActivity, withMenuButtons } from './consent-presentation';
import { DialogIds, DialogStartOptions, utteranceLocale } from './dialog-ids';
import { menuActions } from './menu';

/** Purposes whose history was asked for ("when did I agree to the newsletter?"); none = the overview. */
interface CheckValues {
  historyOf: readonly string[];
}

/**
 * "What did I agree to?": behind the assurance gate (verified: consents are personal data), every
 * consent-based purpose with each channel's state and when, where and under which notice it was
 * set, as a card with a text fallback. A "when" question naming purposes gets their history instead.
 */
export class ConsentCheckDialog extends ComponentDialog {
  constructor(private readonly deps: ConsentDialogDeps) {
    super(DialogIds.consentCheck);
    this.addDialog(deps.gate);
    this.addDialog(new WaterfallDialog(DialogIds.consentCheckWaterfall, [this.gateStep.bind(this), this.showStep.bind(this)]));
    this.initialDialogId = DialogIds.consentCheckWaterfall;
  }

  private async gateStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const utterance = step.options?.utterance ?? '';
    const mention = this.deps.scope.recognize(utterance, utteranceLocale(step.options, turnTranslator(step.context).locale));
    const historyOf = mention.asksWhen ? (scopeFromRequest(mention, this.deps.consents.catalog).purposeIds ?? []) : [];
    (step.values as CheckValues).historyOf = historyOf;
    const options: AssuranceGateOptions = { action: historyOf.length > 0 ? 'consent.history' : 'consent.view', utterance };
    return step.beginDialog(DialogIds.assuranceGate, options);
  }

  private async showStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const gate = step.result as AssuranceGateResult | undefined;
    if (!gate?.granted) return step.endDialog();
    const translator = turnTranslator(step.context);
    const subjectId = (await this.deps.assurance.current(step.context)).claim?.subjectId;
    if (!subjectId) {
      await step.context.sendActivity(withMenuButtons(translator.t('consent.notMatched'), translator, this.deps.menu));
      return step.endDialog();
    }
    const reader: Reader = { translator, zone: customerTimeZone(step.context) };
    const { catalog } = this.deps.consents;
    const { historyOf } = step.values as CheckValues;
    const shown =
      historyOf.length > 0
        ? await Promise.all(historyOf.map(async (purposeId) => historyActivity(purposeId, await this.deps.consents.history(subjectId, purposeId), catalog, reader)))
        : [overviewActivity(await this.deps.consents.overview(subjectId), catalog, reader)];
    // The last message carries the menu buttons: what to do next (e.g. withdraw one of these).
    const last = shown.length - 1;
    await step.context.sendActivities(shown.map((activity, index) => (index === last ? { ...activity, suggestedActions: { actions: menuActions(translator, this.deps.menu), to: [] } } : activity)));
    return step.endDialog();
  }
}
