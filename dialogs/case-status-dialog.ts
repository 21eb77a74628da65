import { ComponentDialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { customerTimeZone } from '../src/bot/customer-time-zone';
import { turnTranslator } from '../src/bot/turn-locale';
import { isSharedConversation } from '../src/channels/teams/teams-context';
import { REQUEST_REFERENCE_PREFIX } from '../src/ledger/requests/request-service';
import { findReference } from '../src/nlu/reference-mention';
import type { AccessCase } from '../src/privacy/access/access-types';
import { AccessDialogDeps } from './access-dialog-deps';
import { caseBlock, withMenuButtonsLeading } from './access-presentation';
import { AssuranceGateOptions, AssuranceGateResult } from './assurance-gate-dialog';
import { Reader, withMenuButtons } from './consent-presentation';
import { DialogIds, DialogStartOptions } from './dialog-ids';
import type { TextRoute } from './main-dialog';

/** What the message asked about: one reference (canonical), or all the customer's requests. */
interface StatusValues {
  reference?: string;
  /** Something like a reference that does not check out: said, then every request shown. */
  unreadable?: boolean;
}

/** A message holding a request reference ("PRV-2026-7KQ4ZD-Q", "where is prv 2026 7kq4zd q?") starts the case status dialog. */
export const CASE_REFERENCE_ROUTE: TextRoute = Object.freeze({
  dialogId: DialogIds.caseStatus,
  matches: (text: string) => findReference(text, REQUEST_REFERENCE_PREFIX).reference !== undefined,
});

/**
 * "Where is my request?" or a typed reference: behind the assurance gate (verified: a case is
 * personal data, and a reference alone proves nothing), each of the customer's open and recent
 * requests — reference, type, received, status in plain words, due date, and once extended the
 * new date and why; what became of a closed one. A reference that is not the customer's gets the
 * very answer an unknown one gets.
 */
export class CaseStatusDialog extends ComponentDialog {
  constructor(private readonly deps: AccessDialogDeps) {
    super(DialogIds.caseStatus);
    this.addDialog(deps.gate);
    this.addDialog(new WaterfallDialog(DialogIds.caseStatusWaterfall, [this.gateStep.bind(this), this.showStep.bind(this)]));
    this.initialDialogId = DialogIds.caseStatusWaterfall;
  }

  private async gateStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const utterance = step.options?.utterance ?? '';
    const mention = findReference(utterance, REQUEST_REFERENCE_PREFIX);
    const values = step.values as StatusValues;
    values.reference = mention.reference;
    values.unreadable = mention.unreadable;
    const options: AssuranceGateOptions = { action: 'request.status', utterance };
    return step.beginDialog(DialogIds.assuranceGate, options);
  }

  private async showStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const gate = step.result as AssuranceGateResult | undefined;
    const translator = turnTranslator(step.context);
    if (gate && !gate.granted && gate.level === 'anonymous' && !isSharedConversation(step.context.activity)) return this.finish(step, translator.t('access.notMatched'));
    if (!gate?.granted) return step.endDialog();
    const subjectId = (await this.deps.assurance.current(step.context)).claim?.subjectId;
    if (!subjectId) return this.finish(step, translator.t('access.notMatched'));
    const { reference, unreadable } = step.values as StatusValues;
    let cases: AccessCase[];
    if (reference) {
      const found = await this.deps.access.find(reference);
      // Someone else's case reads exactly like no case at all.
      if (!found || found.subjectId !== subjectId) return this.finish(step, translator.t('access.caseStatus.notFound', { reference }));
      cases = [found];
    } else {
      cases = await this.deps.access.casesOf(subjectId);
    }
    const lead = unreadable && !reference ? [translator.t('access.caseStatus.unreadable')] : [];
    if (cases.length === 0) {
      const none = translator.t('access.caseStatus.none', { label: translator.t('menu.dataCopy') });
      await step.context.sendActivity(withMenuButtonsLeading([...lead, none].join('\n\n'), translator, this.deps.menu, 'data.copy'));
      return step.endDialog();
    }
    const reader: Reader = { translator, zone: customerTimeZone(step.context, cases[0].timeZone) };
    const now = this.deps.now?.() ?? new Date();
    const text = [...lead, translator.t('access.caseStatus.lead', { count: cases.length, zone: reader.zone }), ...cases.map((accessCase) => caseBlock(accessCase, reader, now))].join('\n\n');
    return this.finish(step, text);
  }

  private async finish(step: WaterfallStepContext, text: string): Promise<DialogTurnResult> {
    await step.context.sendActivity(withMenuButtons(text, turnTranslator(step.context), this.deps.menu));
    return step.endDialog();
  }
}
