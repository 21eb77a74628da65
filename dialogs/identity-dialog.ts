import { ComponentDialog, DialogTurnResult, PromptValidatorContext, TextPrompt, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { CustomerAssurance } from '../src/bot/customer-assurance';
import { turnTranslator } from '../src/bot/turn-locale';
import type { Assurance } from '../src/privacy/assurance/assurance-policy';
import { ClaimedIdentifier, parseClaimedIdentifier } from '../src/privacy/identity/claimed-identifier';
import type { IdentityClaim, IdentityService } from '../src/privacy/identity/identity-service';
import { DialogIds, DialogStartOptions } from './dialog-ids';

export interface IdentityDialogDeps {
  identity: Pick<IdentityService, 'identify'>;
  assurance: Pick<CustomerAssurance, 'claimed'>;
}

/** What the identity dialog ends with: the claim (masked; `subjectId` only when it matched) and the level now held. */
export interface IdentityDialogResult {
  readonly claim: IdentityClaim;
  readonly level: Assurance;
}

/**
 * Asks who the customer is — an email address, a customer number or a phone number, recognised
 * in their language — and looks the identifier up in the ledger. Whatever the ledger says, the
 * customer hears the same sentence: the answer never reveals whether an identifier is on file.
 * A match makes the session `identified`; the masked claim is kept either way for an agent.
 * An identifier already in the message that started the dialog is not asked for again.
 */
export class IdentityDialog extends ComponentDialog {
  constructor(private readonly deps: IdentityDialogDeps) {
    super(DialogIds.identity);
    this.addDialog(new TextPrompt(DialogIds.identityPrompt, (prompt) => this.isIdentifier(prompt)));
    this.addDialog(new WaterfallDialog(DialogIds.identityWaterfall, [this.askStep.bind(this), this.lookupStep.bind(this)]));
    this.initialDialogId = DialogIds.identityWaterfall;
  }

  /** Takes an identifier from the first message, else asks for one. */
  private async askStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const translator = turnTranslator(step.context);
    const given = parseClaimedIdentifier(step.options?.utterance ?? '', translator.locale);
    if (given) return step.next(given);
    return step.prompt(DialogIds.identityPrompt, { prompt: translator.t('identity.prompt'), retryPrompt: translator.t('identity.retry') });
  }

  /** Looks the identifier up and answers the same way whether or not it is on file. */
  private async lookupStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const translator = turnTranslator(step.context);
    const identifier: ClaimedIdentifier | undefined = typeof step.result === 'string' ? parseClaimedIdentifier(step.result, translator.locale) : (step.result as ClaimedIdentifier | undefined);
    const found = identifier && (await this.deps.identity.identify(identifier.kind, identifier.value));
    if (!found || found.status !== 'claimed') return step.replaceDialog(DialogIds.identityWaterfall, { utterance: '' });
    const held = await this.deps.assurance.claimed(step.context, found.claim);
    await step.context.sendActivity(translator.t('identity.noted', { identifier: found.claim.masked }));
    const result: IdentityDialogResult = { claim: found.claim, level: held.level };
    return step.endDialog(result);
  }

  private async isIdentifier(prompt: PromptValidatorContext<string>): Promise<boolean> {
    return prompt.recognized.succeeded && parseClaimedIdentifier(prompt.recognized.value ?? '', turnTranslator(prompt.context).locale) !== undefined;
  }
}
