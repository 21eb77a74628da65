import { ActionTypes, Activity, ActivityTypes, MessageFactory, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { Dialog, DialogContext, DialogInstance, DialogReason, DialogTurnResult } from 'botbuilder-dialogs';
import { CustomerAssurance } from '../src/bot/customer-assurance';
import { handoffInitiation, handoffStatusOf } from '../src/bot/external-handoff';
import { HandoffClosure, handoffClosureOf } from '../src/bot/handoff-closure';
import { ActiveHandoff } from '../src/bot/session-types';
import { turnTranslator } from '../src/bot/turn-locale';
import { onceThisTurn } from '../src/bot/turn-effects';
import { withdrawTicket } from '../src/bot/withdraw-ticket';
import { isHandoffError } from '../src/handoff/handoff-errors';
import type { HandoffHub } from '../src/handoff/handoff-hub';
import type { HandoffReason, NewHandoff, TranscriptLine } from '../src/handoff/handoff-types';
import { Translator } from '../src/i18n/translator';
import { VERIFICATION_METHODS, VerificationMethod } from '../src/ledger/verifications/verification-service';
import type { PolicyAction } from '../src/privacy/assurance/assurance-policy';
import { DialogIds, DialogStartOptions } from './dialog-ids';
import { MenuEntry, menuActivity } from './menu';
import { privateChatOffer } from './private-chat';
import { isSharedConversation } from '../src/channels/teams/teams-context';

/** Who takes the conversation: our own hub (queue, agent console) or an external agent hub. */
export type HandoffMode = 'builtin' | 'external';

export interface HandoffDialogDeps {
  mode: HandoffMode;
  /** The built-in hub (only used in 'builtin' mode). */
  hub: Pick<HandoffHub, 'enqueue' | 'cancel'>;
  assurance: Pick<CustomerAssurance, 'current' | 'verified'>;
  /** The session's handoff in progress: while set, the bot relays the customer's messages. */
  handoffState: StatePropertyAccessor<ActiveHandoff>;
  /** The conversation's last lines, redacted. */
  recentLines(context: TurnContext): Promise<TranscriptLine[]>;
  /** The conversation reference, serialized for proactive messages (see proactive-customer-channel). */
  conversationOf(context: TurnContext): Record<string, unknown>;
  menu: readonly MenuEntry[];
  /**
   * The reason of a handoff started without one (the customer asked for a person): e.g. `incident`
   * while the conversation is about a published incident (see incident-topic.ts). @default 'customer_request'
   */
  reasonOf?: (context: TurnContext) => Promise<HandoffReason | undefined>;
  /** @default () => new Date() */
  now?: () => Date;
}

export interface HandoffDialogOptions extends DialogStartOptions {
  /** @default `deps.reasonOf`, else 'customer_request' */
  readonly reason?: HandoffReason;
  /** The action waiting for a verified identity (set by the assurance gate). */
  readonly pendingAction?: PolicyAction;
}

/**
 * How the handoff ended, for the dialog that started it. The customer has already been told
 * (with the menu, except after 'verified' with a pending action, when the waiting dialog goes on).
 */
export type HandoffOutcome = 'verified' | 'failed' | 'ended' | 'timed_out' | 'unavailable';

export interface HandoffDialogResult {
  readonly outcome: HandoffOutcome;
}

/** What the dialog keeps on the stack while it waits. */
interface HandoffDialogState {
  readonly mode: HandoffMode;
  readonly ticketId?: string;
  readonly pendingAction?: PolicyAction;
}

function isVerificationMethod(value: unknown): value is VerificationMethod {
  return typeof value === 'string' && (VERIFICATION_METHODS as readonly string[]).includes(value);
}

/** How a closed ticket ended, from the waiting dialog's point of view. */
function outcomeOf(closure: HandoffClosure): HandoffOutcome {
  if (closure.status === 'timed_out') return 'timed_out';
  if (closure.verification === 'verified') return 'verified';
  if (closure.verification === 'failed') return 'failed';
  return 'ended';
}

/**
 * Hands the conversation to a person and waits, on the dialog stack, until it comes back — then
 * ends exactly where it was started, so the dialog that needed a verified identity goes on.
 *
 * Built-in mode: queues a ticket (reason, language, pending action, masked claimed identity, the
 * redacted last lines, the conversation reference) and tells the customer their place. While the
 * ticket is open the bot relays the customer's messages (see HandoffRelay); the agent's side
 * reaches the customer proactively and a closed ticket comes back as a `handoff.closed` event
 * turn. External mode: sends the Bot Framework `handoff.initiate` event and follows the hub's
 * `handoff.status` events. Cancelled (the customer left, "cancel"), it withdraws the ticket.
 */
export class HandoffDialog extends Dialog<HandoffDialogOptions> {
  private readonly now: () => Date;

  constructor(private readonly deps: HandoffDialogDeps) {
    super(DialogIds.handoff);
    this.now = deps.now ?? (() => new Date());
  }

  override async beginDialog(dc: DialogContext, options?: HandoffDialogOptions): Promise<DialogTurnResult> {
    const context = dc.context;
    const translator = turnTranslator(context);
    if (isSharedConversation(context.activity)) {
      // Every member's messages would reach the person as the one customer's: a handoff belongs in the private chat.
      await context.sendActivity(privateChatOffer(context.activity, translator, this.deps.menu, translator.t('handoff.sharedConversation')));
      const result: HandoffDialogResult = { outcome: 'unavailable' };
      return dc.endDialog(result);
    }
    const reason = options?.reason ?? (await this.deps.reasonOf?.(context)) ?? 'customer_request';
    const pendingAction = options?.pendingAction;
    const claim = (await this.deps.assurance.current(context)).claim;
    // What a person may see of the claim: kind, masked value, subject. Never the limit key of a claim that matched nobody.
    const claimedIdentity = claim && { kind: claim.kind, masked: claim.masked, ...(claim.subjectId !== undefined ? { subjectId: claim.subjectId } : {}) };
    const lines = await this.deps.recentLines(context);
    const since = this.now().toISOString();

    if (this.deps.mode === 'external') {
      await context.sendActivity(translator.t('handoff.external.connecting'));
      await context.sendActivity(handoffInitiation(context, { reason, locale: translator.locale, ...(pendingAction ? { pendingAction } : {}), ...(claimedIdentity ? { claimedIdentity } : {}) }, lines));
      await this.deps.handoffState.set(context, { mode: 'external', reason, since });
      const state: HandoffDialogState = { mode: 'external', ...(pendingAction ? { pendingAction } : {}) };
      Object.assign(dc.activeDialog?.state ?? {}, state);
      return Dialog.EndOfTurn;
    }

    const request: NewHandoff = {
      reason,
      locale: translator.locale,
      ...(pendingAction ? { pendingAction } : {}),
      ...(claimedIdentity ? { claimedIdentity } : {}),
      channelId: context.activity.channelId,
      conversation: this.deps.conversationOf(context),
      transcript: lines,
    };
    let enqueued;
    try {
      enqueued = await onceThisTurn(context, 'handoff.enqueue', () => this.deps.hub.enqueue(request));
    } catch (err) {
      if (!isHandoffError(err, 'PSB_HANDOFF_UNAVAILABLE')) throw err;
      await context.sendActivity(this.withMenu(translator, 'handoff.unavailable'));
      const result: HandoffDialogResult = { outcome: 'unavailable' };
      return dc.endDialog(result);
    }
    const ticketId = enqueued.ticket.id;
    await this.deps.handoffState.set(context, { mode: 'builtin', ticketId, reason, since });
    const state: HandoffDialogState = { mode: 'builtin', ticketId, ...(pendingAction ? { pendingAction } : {}) };
    Object.assign(dc.activeDialog?.state ?? {}, state);
    const queued = translator.t(reason === 'verification' ? 'handoff.queuedForVerification' : 'handoff.queued', { position: enqueued.position });
    const leave = translator.t('handoff.leaveButton');
    await context.sendActivity(MessageFactory.suggestedActions([{ type: ActionTypes.ImBack, title: leave, value: leave }], queued));
    return Dialog.EndOfTurn;
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const state = dc.activeDialog?.state as HandoffDialogState;
    if (state.mode === 'external') return this.followExternal(dc, state);
    const closure = handoffClosureOf(dc.context);
    if (!closure || closure.ticketId !== state.ticketId) return this.stillWaiting(dc);
    return this.finish(dc, state, outcomeOf(closure), closure.method);
  }

  /** Left while waiting (the customer said "cancel" or "back to the bot"): the ticket is withdrawn. */
  override async endDialog(context: TurnContext, instance: DialogInstance, reason: DialogReason): Promise<void> {
    if (reason !== DialogReason.cancelCalled) return;
    const state = instance.state as HandoffDialogState;
    if (state.mode === 'builtin' && state.ticketId) await withdrawTicket(context, this.deps.hub, state.ticketId);
    await this.deps.handoffState.delete(context);
  }

  /** The external hub's `handoff.status`: accepted (a person took it), failed, or completed (back to the bot). */
  private async followExternal(dc: DialogContext, state: HandoffDialogState): Promise<DialogTurnResult> {
    const status = handoffStatusOf(dc.context.activity);
    if (!status) return this.stillWaiting(dc);
    if (status.state === 'accepted') {
      await dc.context.sendActivity(turnTranslator(dc.context).t('handoff.external.accepted'));
      return Dialog.EndOfTurn;
    }
    return this.finish(dc, state, status.state === 'failed' ? 'unavailable' : 'ended');
  }

  /** A message while a person holds the conversation should not reach here (the bot relays it); say so if it does. */
  private async stillWaiting(dc: DialogContext): Promise<DialogTurnResult> {
    if (dc.context.activity.type === ActivityTypes.Message) await dc.context.sendActivity(turnTranslator(dc.context).t('handoff.stillWaiting'));
    return Dialog.EndOfTurn;
  }

  /** The bot takes the conversation back and says how it went; 'verified' raises the session's level. */
  private async finish(dc: DialogContext, state: HandoffDialogState, outcome: HandoffOutcome, method?: string): Promise<DialogTurnResult> {
    const context = dc.context;
    const translator = turnTranslator(context);
    await this.deps.handoffState.delete(context);
    if (outcome === 'verified') {
      await this.deps.assurance.verified(context, isVerificationMethod(method) ? method : 'agent_check');
      await context.sendActivity(state.pendingAction ? translator.t('handoff.closed.verifiedContinue') : this.withMenu(translator, 'handoff.closed.verified', true));
    } else {
      await context.sendActivity(this.withMenu(translator, closingMessageKey(state.mode, outcome), outcome === 'ended' || outcome === 'failed'));
    }
    const result: HandoffDialogResult = { outcome };
    return dc.endDialog(result);
  }

  private withMenu(translator: Translator, key: string, ask = false): Partial<Activity> {
    return menuActivity(translator, this.deps.menu, ask ? `${translator.t(key)}\n\n${translator.t('menu.prompt')}` : translator.t(key));
  }
}

function closingMessageKey(mode: HandoffMode, outcome: Exclude<HandoffOutcome, 'verified'>): string {
  if (mode === 'external' && outcome === 'unavailable') return 'handoff.external.failed';
  const keys: Record<Exclude<HandoffOutcome, 'verified'>, string> = {
    failed: 'handoff.closed.failed',
    ended: 'handoff.closed.ended',
    timed_out: 'handoff.closed.timedOut',
    unavailable: 'handoff.unavailable',
  };
  return keys[outcome];
}
