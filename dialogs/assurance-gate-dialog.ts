import { ComponentDialog, Dialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { CustomerAssurance } from '../src/bot/customer-assurance';
import { turnTranslator } from '../src/bot/turn-locale';
import { isSharedConversation } from '../src/channels/teams/teams-context';
import { Assurance, PolicyAction, satisfies } from '../src/privacy/assurance/assurance-policy';
import { DialogIds, DialogStartOptions } from './dialog-ids';
import { HandoffDialogOptions } from './handoff-dialog';
import { IdentityCodeDialogResult } from './identity-code-dialog';
import { MenuEntry } from './menu';
import { privateChatOffer } from './private-chat';
import { TeamsSignInDialog, TeamsSignInResult } from './teams-sign-in-dialog';

export interface AssuranceGateDeps {
  assurance: Pick<CustomerAssurance, 'level' | 'required'>;
  menu: readonly MenuEntry[];
  /** Asks who the customer is (an IdentityDialog). */
  identityDialog: Dialog;
  /** Hands the conversation to a person who verifies (a HandoffDialog; the same instance may serve the menu). */
  handoffDialog: Dialog;
  /**
   * Lets the customer verify alone with a one-time code to the contact on file (an
   * IdentityCodeDialog): the first way to `verified`, with a person as the customer's choice.
   * Absent, a person verifies, as the only way.
   */
  codeDialog?: Dialog;
  /**
   * Teams SSO (TEAMS_SSO_CONNECTION set): in a Teams personal chat, signing in with the Teams account
   * comes first, once per session; a linked account is verified without a code. Absent, no SSO.
   */
  teamsSignIn?: TeamsSignInDialog;
}

/** What the gate keeps between its steps. */
interface GateValues {
  /** The code dialog ran (its result comes next), rather than the handoff. */
  byCode?: boolean;
}

/** What a dialog that needs a level passes to the gate: the action (policy file) and the message that asked. */
export interface AssuranceGateOptions extends DialogStartOptions {
  readonly action: PolicyAction;
}

/**
 * The gate's answer. `granted`: go on. Not granted: do not act, and end quietly — the customer
 * has been told why when a person could not verify them (with the menu); when only `identified`
 * was needed and the identifier matched nobody, the gate says nothing more than the identity
 * dialog did, so the caller answers in words that do not reveal whether it is on file.
 */
export interface AssuranceGateResult {
  readonly granted: boolean;
  readonly level: Assurance;
}

/**
 * Stands before any action the assurance policy guards. Use: add the one gate instance to your
 * component (`addDialog(gate)`: botbuilder finds a child of another set on continue, not on
 * re-prompt), `beginDialog(DialogIds.assuranceGate, { action, utterance })`, and read
 * `AssuranceGateResult` in the next step. Lets the customer through
 * at once when the session already holds the level (a signed-in Teams user counts as verified);
 * otherwise asks who they are (identity dialog) and, when `verified` is needed, sends a one-time
 * code to the contact on file (code dialog) — or, when the customer asks for a person or there is
 * no code dialog, hands the conversation to a person who checks. The waiting dialog resumes once the
 * code is right, or after the person's outcome.
 * In a group chat or channel no level above anonymous is sought: personal data stays out of it.
 */
export class AssuranceGateDialog extends ComponentDialog {
  constructor(private readonly deps: AssuranceGateDeps) {
    super(DialogIds.assuranceGate);
    this.addDialog(deps.identityDialog);
    this.addDialog(deps.handoffDialog);
    if (deps.codeDialog) this.addDialog(deps.codeDialog);
    if (deps.teamsSignIn) this.addDialog(deps.teamsSignIn);
    this.addDialog(new WaterfallDialog(DialogIds.assuranceGateWaterfall, [this.signInStep.bind(this), this.identifyStep.bind(this), this.verifyStep.bind(this), this.personStep.bind(this), this.resultStep.bind(this)]));
    this.initialDialogId = DialogIds.assuranceGateWaterfall;
  }

  /**
   * Lets through what the level allows; refuses in a shared conversation; else, in a Teams personal
   * chat with SSO, offers signing in with the Teams account first (once per session).
   */
  private async signInStep(step: WaterfallStepContext<AssuranceGateOptions>): Promise<DialogTurnResult> {
    const { action } = step.options;
    const needed = this.deps.assurance.required(action);
    const held = await this.deps.assurance.level(step.context);
    if (satisfies(held, needed)) return step.endDialog(this.result(true, held));
    if (isSharedConversation(step.context.activity)) {
      const translator = turnTranslator(step.context);
      await step.context.sendActivity(privateChatOffer(step.context.activity, translator, this.deps.menu, translator.t('assurance.sharedConversation')));
      return step.endDialog(this.result(false, held));
    }
    if (this.deps.teamsSignIn && (await this.deps.teamsSignIn.offered(step))) return step.beginDialog(DialogIds.teamsSignIn);
    return step.next();
  }

  /**
   * Lets through what the level now allows (a linked Teams account signed in); else asks for an
   * identifier first, unless one is on hand — in the message that asked, or typed at the sign-in card.
   */
  private async identifyStep(step: WaterfallStepContext<AssuranceGateOptions>): Promise<DialogTurnResult> {
    const { action } = step.options;
    const signIn = step.result as TeamsSignInResult | undefined;
    const utterance = signIn?.outcome === 'typed' ? signIn.utterance : step.options.utterance;
    const needed = this.deps.assurance.required(action);
    const held = await this.deps.assurance.level(step.context);
    if (satisfies(held, needed)) return step.endDialog(this.result(true, held));
    if (held === 'anonymous') return step.beginDialog(DialogIds.identity, { utterance });
    return step.next();
  }

  /**
   * Identified is enough, or the identifier matched nobody and identified was all that was needed;
   * else a code to the contact on file (sent only when the identifier is on file; the customer
   * hears the same either way), or a person when there is no code dialog.
   */
  private async verifyStep(step: WaterfallStepContext<AssuranceGateOptions>): Promise<DialogTurnResult> {
    const { action, utterance } = step.options;
    const needed = this.deps.assurance.required(action);
    const held = await this.deps.assurance.level(step.context);
    if (satisfies(held, needed) || needed !== 'verified') return step.next();
    if (!this.deps.codeDialog) return this.toPerson(step);
    (step.values as GateValues).byCode = true;
    const options: DialogStartOptions = { utterance };
    return step.beginDialog(DialogIds.identityCode, options);
  }

  /** The customer chose a person over the code ("talk to a person"): hand over to verify. */
  private async personStep(step: WaterfallStepContext<AssuranceGateOptions>): Promise<DialogTurnResult> {
    const code = (step.values as GateValues).byCode ? (step.result as IdentityCodeDialogResult | undefined) : undefined;
    if (code?.outcome === 'person') return this.toPerson(step);
    return step.next();
  }

  private async toPerson(step: WaterfallStepContext<AssuranceGateOptions>): Promise<DialogTurnResult> {
    const { action, utterance } = step.options;
    const options: HandoffDialogOptions = { utterance, reason: 'verification', pendingAction: action };
    return step.beginDialog(DialogIds.handoff, options);
  }

  private async resultStep(step: WaterfallStepContext<AssuranceGateOptions>): Promise<DialogTurnResult> {
    const needed = this.deps.assurance.required(step.options.action);
    const held = await this.deps.assurance.level(step.context);
    return step.endDialog(this.result(satisfies(held, needed), held));
  }

  private result(granted: boolean, level: Assurance): AssuranceGateResult {
    return { granted, level };
  }
}
