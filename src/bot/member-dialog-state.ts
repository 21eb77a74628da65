import { Activity, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { DialogState } from 'botbuilder-dialogs';
import { isSharedConversation } from '../channels/teams/teams-context';
import { SessionProperty } from '../turn/session-property';

/** Each member's dialog stack in a shared conversation, by member. */
export type MemberDialogStates = Record<string, DialogState>;

/**
 * The dialog stack of whoever is talking. In a one-to-one conversation that is the conversation's
 * stack. In a shared one (a Teams group chat or channel, any group conversation) every member has
 * a stack of their own, kept in the conversation document — what botbuilder's private conversation
 * state does: a question is bound to the person it was asked of, so another member's message never
 * answers it; it is that member's own message, continuing their own questions or starting anew.
 * This is how the mature Teams bots behave (Polly, Approvals): nobody blocks anybody, and nobody
 * is told off for speaking. Stacks left empty are dropped, so the document holds only open questions.
 */
export class MemberDialogState implements StatePropertyAccessor<DialogState> {
  constructor(
    private readonly conversationStack: SessionProperty<DialogState>,
    private readonly memberStacks: SessionProperty<MemberDialogStates>,
  ) {}

  get(context: TurnContext): Promise<DialogState | undefined>;
  get(context: TurnContext, defaultValue: DialogState): Promise<DialogState>;
  async get(context: TurnContext, defaultValue?: DialogState): Promise<DialogState | undefined> {
    const member = sharedMemberKey(context.activity);
    if (member === undefined) return defaultValue === undefined ? this.conversationStack.get(context) : this.conversationStack.get(context, defaultValue);
    const stacks = await this.memberStacks.get(context, {});
    for (const [other, state] of Object.entries(stacks)) if (other !== member && (state?.dialogStack ?? []).length === 0) delete stacks[other];
    if (stacks[member] === undefined && defaultValue !== undefined) stacks[member] = structuredClone(defaultValue);
    return stacks[member];
  }

  async set(context: TurnContext, value: DialogState): Promise<void> {
    const member = sharedMemberKey(context.activity);
    if (member === undefined) return this.conversationStack.set(context, value);
    (await this.memberStacks.get(context, {}))[member] = value;
  }

  async delete(context: TurnContext): Promise<void> {
    const member = sharedMemberKey(context.activity);
    if (member === undefined) return this.conversationStack.delete(context);
    delete (await this.memberStacks.get(context, {}))[member];
  }
}

/** The member a shared conversation's turn belongs to; undefined in a one-to-one conversation (or with no sender). */
function sharedMemberKey(activity: Partial<Activity>): string | undefined {
  if (!isSharedConversation(activity)) return undefined;
  return activity.from?.id || undefined;
}
