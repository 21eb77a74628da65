import { ComponentDialog, DialogTurnResult, PromptValidatorContext, TextPrompt, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { isSharedConversation } from '../src/channels/teams/teams-context';
import { satisfies } from '../src/privacy/assurance/assurance-policy';
import { customerTimeZone } from '../src/bot/customer-time-zone';
import { turnTranslator } from '../src/bot/turn-locale';
import { Translator } from '../src/i18n/translator';
import type { Channel } from '../src/ledger/purposes/purpose-catalog';
import { normalizeText } from '../src/nlu/normalize-text';
import {
  ConsentDirection,
  ConsentPair,
  PartialScope,
  channelsOf,
  consentPurposes,
  keptAfterWithdrawal,
  pairsToChange,
  scopeFromRequest,
  scopePairs,
} from '../src/privacy/consent/consent-scope';
import { AssuranceGateOptions, AssuranceGateResult } from './assurance-gate-dialog';
import { ConsentDialogDeps } from './consent-dialog-deps';
import { newChangeId, recordConfirmedChange } from './consent-recording';
import { channelName, keptText, listOf, purposeDescription, purposeLabel, purposePhrase, question, receiptLines, scopeText, timeFor, withMenuButtons } from './consent-presentation';
import { DialogIds, DialogStartOptions, utteranceLocale } from './dialog-ids';

/** What the flow has settled so far (dialog state: ids only, no personal data). */
interface ChangeValues {
  subjectId?: string;
  scope?: PartialScope;
  purposeIds?: string[];
  channels?: Channel[] | 'all';
  /** The channels the channel question offered, in its order. */
  offeredChannels?: Channel[];
  /** The session is verified: the customer may see their consents, so the questions may mention them. */
  mayShowState?: boolean;
  /** The pairs the confirmation named: exactly what a "yes" records. */
  pairs?: ConsentPair[];
  /** The change the confirmation asks about: keys the ledger write, so any "yes" to it records it once. */
  changeId?: string;
}

/**
 * Withdraws or gives consent, per purpose and per channel. Takes what the first message names
 * ("stop texting me offers": offers, SMS), asks only for what is missing, then one short
 * question with the exact scope ("Stop offers by SMS; keep email?") — for a gift, after the
 * notice it rests on. A "yes" records the change and its receipt in the ledger, and only then
 * says "done", with the time it took effect. "No" or "cancel" records nothing. No argument,
 * no retention offer: an objection to direct marketing is simply honoured (GDPR Art. 21(3)).
 */
export class ConsentChangeDialog extends ComponentDialog {
  constructor(
    private readonly direction: ConsentDirection,
    private readonly deps: ConsentDialogDeps,
  ) {
    super(direction === 'withdraw' ? DialogIds.consentWithdraw : DialogIds.consentGive);
    this.addDialog(deps.gate);
    this.addDialog(new TextPrompt(DialogIds.consentPurposePrompt, async (prompt) => this.purposesIn(prompt.recognized.value ?? '', turnTranslator(prompt.context)) !== undefined));
    this.addDialog(new TextPrompt(DialogIds.consentChannelPrompt, async (prompt) => this.isChannelAnswer(prompt)));
    this.addDialog(new TextPrompt(DialogIds.consentConfirmPrompt, async (prompt) => this.deps.yesNo.recognize(prompt.recognized.value ?? '', turnTranslator(prompt.context).locale) !== undefined));
    this.addDialog(
      new WaterfallDialog(DialogIds.consentChangeWaterfall, [this.gateStep.bind(this), this.purposeStep.bind(this), this.channelStep.bind(this), this.confirmStep.bind(this), this.recordStep.bind(this)]),
    );
    this.initialDialogId = DialogIds.consentChangeWaterfall;
  }

  private async gateStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const utterance = step.options?.utterance ?? '';
    const mention = this.deps.scope.recognize(utterance, utteranceLocale(step.options, turnTranslator(step.context).locale));
    this.values(step).scope = scopeFromRequest(mention, this.deps.consents.catalog);
    const options: AssuranceGateOptions = { action: this.direction === 'withdraw' ? 'consent.withdraw' : 'consent.give', utterance };
    return step.beginDialog(DialogIds.assuranceGate, options);
  }

  /** Past the gate: the customer must be on file; then the purposes, named or asked for. */
  private async purposeStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const gate = step.result as AssuranceGateResult | undefined;
    const translator = turnTranslator(step.context);
    // An identifier that matched nobody: the gate said only "noted"; say why nothing can change (a shared chat was told already).
    if (gate && !gate.granted && gate.level === 'anonymous' && !isSharedConversation(step.context.activity)) return this.finish(step, translator.t('consent.notMatched'));
    if (!gate?.granted) return step.endDialog();
    const values = this.values(step);
    values.mayShowState = satisfies(gate.level, this.deps.assurance.required('consent.view'));
    values.subjectId = (await this.deps.assurance.current(step.context)).claim?.subjectId;
    if (!values.subjectId) return this.finish(step, translator.t('consent.notMatched'));
    const scope = values.scope ?? { broad: false, notConsentBased: [] };
    if (scope.purposeIds) return step.next(scope.purposeIds);
    if (scope.notConsentBased.length > 0) {
      const purposes = listOf(
        scope.notConsentBased.map((id) => purposePhrase(this.deps.consents.catalog, id, translator)),
        translator,
      );
      return this.finish(step, translator.t('consent.notConsentBased', { purposes, count: scope.notConsentBased.length }));
    }
    const text = translator.t(this.direction === 'withdraw' ? 'consent.ask.purposeWithdraw' : 'consent.ask.purposeGive');
    const labels = this.purposeChoices(translator);
    return step.prompt(DialogIds.consentPurposePrompt, { prompt: question(text, labels), retryPrompt: question(translator.t('consent.ask.purposeRetry'), labels) });
  }

  /** The channels, named or asked for; a purpose with one channel needs no question. */
  private async channelStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const translator = turnTranslator(step.context);
    const values = this.values(step);
    const purposeIds = Array.isArray(step.result) ? (step.result as string[]) : (this.purposesIn(String(step.result ?? ''), translator) ?? []);
    values.purposeIds = purposeIds;
    const named = values.scope?.channels;
    if (named && scopePairs(purposeIds, named, this.deps.consents.catalog).length > 0) return step.next(named);
    const offered = channelsOf(purposeIds, this.deps.consents.catalog);
    if (offered.length === 1) return step.next(offered);
    values.offeredChannels = offered;
    const purpose = listOf(
      purposeIds.map((id) => purposePhrase(this.deps.consents.catalog, id, translator)),
      translator,
    );
    const channels = listOf(
      offered.map((channel) => channelName(channel, translator)),
      translator,
    );
    const labels = [...offered.map((channel) => channelName(channel, translator)), translator.t('consent.ask.allChannels')];
    return step.prompt(DialogIds.consentChannelPrompt, {
      prompt: question(translator.t('consent.ask.channel', { purpose, channels }), labels),
      retryPrompt: question(translator.t('consent.ask.channelRetry'), labels),
      validations: offered,
    });
  }

  /** One question with the exact scope; a gift shows the notice it rests on first. */
  private async confirmStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const translator = turnTranslator(step.context);
    const values = this.values(step);
    const { catalog } = this.deps.consents;
    const channels: Channel[] | 'all' = step.result === 'all' || Array.isArray(step.result) ? (step.result as Channel[] | 'all') : (this.channelsIn(String(step.result ?? ''), translator, values.offeredChannels ?? []) ?? 'all');
    values.channels = channels;
    const inScope = scopePairs(values.purposeIds ?? [], channels, catalog);
    // Only a verified customer may see their consents (policy): for an identified one the questions do not
    // reveal the current state, and the whole scope is recorded (withdrawing again, or renewing, changes nothing else).
    const current = values.mayShowState ? await this.deps.consents.current(values.subjectId ?? '') : [];
    const pairs = values.mayShowState ? pairsToChange(this.direction, inScope, current) : inScope;
    const scope = scopeText(inScope, catalog, translator);
    if (pairs.length === 0) return this.finish(step, translator.t(this.direction === 'withdraw' ? 'consent.nothingToChange.withdraw' : 'consent.nothingToChange.give', { scope }));
    values.pairs = pairs;
    values.changeId = newChangeId();
    const yesNo = [translator.t('consent.confirm.yes'), translator.t('consent.confirm.no')];
    let text: string;
    if (this.direction === 'give') {
      const notices = [...new Set(pairs.map((pair) => pair.purposeId))].map((purposeId) => {
        const purpose = catalog.get(purposeId);
        return translator.t('consent.confirm.notice', {
          purpose: purposeLabel(catalog, purposeId, translator),
          description: purposeDescription(catalog, purposeId, translator),
          version: purpose?.notice.version ?? '',
          url: purpose?.notice.url ?? '',
        });
      });
      text = [...notices, translator.t('consent.confirm.give', { scope: scopeText(pairs, catalog, translator) })].join('\n\n');
    } else {
      const kept = keptAfterWithdrawal(inScope, current);
      const changing = scopeText(pairs, catalog, translator);
      if (values.scope?.broad) text = translator.t('consent.confirm.withdrawBroad', { scope: changing });
      else if (kept.length > 0) text = translator.t('consent.confirm.withdrawKeep', { scope: changing, ...keptText(kept, pairs, catalog, translator) });
      else text = translator.t('consent.confirm.withdraw', { scope: changing });
    }
    return step.prompt(DialogIds.consentConfirmPrompt, { prompt: question(text, yesNo), retryPrompt: question(translator.t('consent.confirm.retry'), yesNo) });
  }

  /**
   * "Yes": recorded (with its receipt) before the customer hears "done". "No": nothing recorded. The
   * service applies the assurance rules: a customer who is only identified gets a receipt of this
   * change alone, and the contact on file hears of a withdrawal (the reply says so when it went out).
   */
  private async recordStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const translator = turnTranslator(step.context);
    const values = this.values(step);
    if (this.deps.yesNo.recognize(String(step.result ?? ''), translator.locale) !== 'yes') return this.finish(step, translator.t('consent.declined'));
    const outcome = await recordConfirmedChange(step.context, this.deps, 'consent.change', { subjectId: values.subjectId ?? '', direction: this.direction, pairs: values.pairs ?? [], changeId: values.changeId });
    const reader = { translator, zone: customerTimeZone(step.context) };
    const scope = scopeText(
      outcome.events.map((event) => ({ purposeId: event.purposeId, channel: event.channel })),
      this.deps.consents.catalog,
      translator,
    );
    const done = translator.t(this.direction === 'withdraw' ? 'consent.done.withdrawn' : 'consent.done.given', { time: timeFor(outcome.effectiveAt, reader), scope });
    return this.finish(step, [done, ...receiptLines(outcome, translator)].join('\n\n'));
  }

  private async finish(step: WaterfallStepContext, text: string): Promise<DialogTurnResult> {
    const translator = turnTranslator(step.context);
    await step.context.sendActivity(withMenuButtons(text, translator, this.deps.menu));
    return step.endDialog();
  }

  private values(step: WaterfallStepContext): ChangeValues {
    return step.values as ChangeValues;
  }

  /** The offered purposes: every consent-based one, and "all marketing". */
  private purposeChoices(translator: Translator): string[] {
    return [...consentPurposes(this.deps.consents.catalog).map((purpose) => purposeLabel(this.deps.consents.catalog, purpose.id, translator)), translator.t('consent.ask.allMarketing')];
  }

  /** An answer to "which one?": a button label, its number, or words naming purposes. */
  private purposesIn(text: string, translator: Translator): string[] | undefined {
    const { catalog } = this.deps.consents;
    const purposes = consentPurposes(catalog);
    const choice = choiceIndex(text, this.purposeChoices(translator));
    if (choice !== undefined) return choice < purposes.length ? [purposes[choice].id] : purposes.filter((purpose) => purpose.marketing).map((purpose) => purpose.id);
    return scopeFromRequest(this.deps.scope.recognize(text, translator.locale), catalog).purposeIds?.slice();
  }

  private isChannelAnswer(prompt: PromptValidatorContext<string>): boolean {
    const offered = (prompt.options.validations as Channel[] | undefined) ?? [];
    return this.channelsIn(prompt.recognized.value ?? '', turnTranslator(prompt.context), offered) !== undefined;
  }

  /** An answer to "which channel?" among those offered: a label, its number, or words naming channels. */
  private channelsIn(text: string, translator: Translator, offered: readonly Channel[]): Channel[] | 'all' | undefined {
    const labels = [...offered.map((channel) => channelName(channel, translator)), translator.t('consent.ask.allChannels')];
    const choice = choiceIndex(text, labels);
    if (choice !== undefined) return choice < offered.length ? [offered[choice]] : 'all';
    const scope = scopeFromRequest(this.deps.scope.recognize(text, translator.locale), this.deps.consents.catalog);
    if (scope.channels === 'all') return 'all';
    const named = scope.channels?.filter((channel) => offered.includes(channel));
    return named && named.length > 0 ? named : undefined;
  }
}

/** The option a typed answer picks: its label (any case, accents, punctuation) or its 1-based number. */
function choiceIndex(text: string, labels: readonly string[]): number | undefined {
  const typed = normalizeText(text);
  const byLabel = labels.findIndex((label) => normalizeText(label) === typed);
  if (byLabel >= 0) return byLabel;
  const number = /^\d{1,2}$/.test(typed) ? Number(typed) : NaN;
  return number >= 1 && number <= labels.length ? number - 1 : undefined;
}
