import { Activity } from 'botbuilder';
import { ComponentDialog, Dialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { AssuranceGateOptions, AssuranceGateResult } from '../../dialogs/assurance-gate-dialog';
import type { PolicyAction } from '../../src/privacy/assurance/assurance-policy';
import { DialogIds, DialogStartOptions } from '../../dialogs/dialog-ids';
import { MENU_REGISTRY, MenuEntry, availableMenu } from '../../dialogs/menu';
import type { HandoffHub } from '../../src/handoff/handoff-hub';
import type { HandoffTicket } from '../../src/handoff/handoff-types';
import { ConnectorStub } from '../channels/teams/connector-stub';
import { eventually as eventuallyHolds } from '../support/hang-guard';
import { messageActivity, postActivity, PostResult } from '../support/test-app';

export const PROBE_DIALOG_ID = 'test.viewConsents';

/** What the probe says once the gate answered (tests only; a real dialog speaks from locales/). */
export function probeSays(result: AssuranceGateResult): string {
  return `probe: granted=${result.granted} level=${result.level}`;
}

/**
 * Stands in for a feature dialog that needs an assurance level ("Check my consents" →
 * consent.view, which needs `verified`, unless told another action): asks the assurance gate, then reports what it got — so a test sees the waiting
 * dialog resume, and with what.
 */
export class GatedProbeDialog extends ComponentDialog {
  constructor(
    gate: Dialog,
    private readonly action: PolicyAction = 'consent.view',
  ) {
    super(PROBE_DIALOG_ID);
    this.addDialog(gate);
    this.addDialog(new WaterfallDialog(`${PROBE_DIALOG_ID}.waterfall`, [this.gateStep.bind(this), this.reportStep.bind(this)]));
    this.initialDialogId = `${PROBE_DIALOG_ID}.waterfall`;
  }

  private async gateStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const options: AssuranceGateOptions = { action: this.action, utterance: step.options?.utterance ?? '' };
    return step.beginDialog(DialogIds.assuranceGate, options);
  }

  private async reportStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const result = step.result as AssuranceGateResult;
    await step.context.sendActivity(probeSays(result));
    return step.endDialog(result);
  }
}

/** The shipped menu plus "Check my consents", served by the probe. */
export function probeMenu(): readonly MenuEntry[] {
  return availableMenu(MENU_REGISTRY.map((entry) => (entry.id === 'consent.check' ? { ...entry, dialogId: PROBE_DIALOG_ID, available: true } : entry)));
}

/**
 * A customer on an HTTP channel: each message asks for its replies in the response
 * (expectReplies); the conversation's serviceUrl is a local connector stub, where proactive
 * messages (the agent's, the bot's after a handoff) arrive.
 */
export class HttpCustomer {
  private seen = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly connector: ConnectorStub,
    readonly conversationId: string,
    private readonly locale: string,
  ) {}

  async say(text: string, extra: Partial<Activity> = {}): Promise<PostResult> {
    const result = await postActivity(this.baseUrl, messageActivity(this.conversationId, text, { locale: this.locale, serviceUrl: this.connector.serviceUrl, ...extra }));
    if (result.status !== 200) throw new Error(`the bot answered ${result.status}: ${JSON.stringify(result.body)}`);
    return result;
  }

  /** Messages that reached the customer proactively since the last call. */
  proactive(): Partial<Activity>[] {
    const all = this.connector.messagesFor(this.conversationId);
    const fresh = all.slice(this.seen);
    this.seen = all.length;
    return fresh;
  }

  /** The open ticket of this conversation in the hub. */
  async ticket(hub: HandoffHub): Promise<HandoffTicket> {
    const open = [...(await hub.queue()), ...(await hub.claimedBy(undefined))];
    const found = open.find((ticket) => conversationIdOf(ticket) === this.conversationId);
    if (!found) throw new Error(`no open ticket for ${this.conversationId}`);
    return found;
  }
}

/** The conversation id inside a ticket's stored reference. */
export function conversationIdOf(ticket: HandoffTicket): string | undefined {
  const reference = ticket.conversation.reference;
  if (typeof reference !== 'object' || reference === null || !('conversation' in reference)) return undefined;
  const conversation = reference.conversation;
  return typeof conversation === 'object' && conversation !== null && 'id' in conversation && typeof conversation.id === 'string' ? conversation.id : undefined;
}

/** Waits until `predicate` holds, or fails saying what it waited for; `timeoutMs` only guards against a hang. */
export function eventually(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  return eventuallyHolds(predicate, what, timeoutMs);
}
