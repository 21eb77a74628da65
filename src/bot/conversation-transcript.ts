import { Activity, ActivityTypes, ResourceResponse, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { redactForKeeping } from '../handoff/customer-message';
import type { TranscriptLine } from '../handoff/handoff-types';

/** Lines of the conversation kept for a handoff's context. */
export const RECENT_LINES = 12;
/** A longer line is cut here (it is context, not a record). */
export const RECENT_LINE_MAX_CHARS = 500;

/** A line as the agent may see it: emails, phone numbers and customer numbers masked. */
export function redactForTranscript(text: string): string {
  const redacted = redactForKeeping(text);
  const chars = Array.from(redacted);
  return chars.length > RECENT_LINE_MAX_CHARS ? `${chars.slice(0, RECENT_LINE_MAX_CHARS).join('')}…` : redacted;
}

/**
 * The last lines of the conversation, redacted, in the session: what a handoff gives the agent
 * (and an external hub, as the `handoff.initiate` transcript). They stay redacted for the agent
 * too: only what the customer types during the live handoff reaches the agent as typed. The
 * customer's lines are added by the bot as messages arrive; the bot's own as they are sent.
 */
export class ConversationTranscript {
  constructor(
    private readonly lines: StatePropertyAccessor<TranscriptLine[]>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async add(context: TurnContext, from: TranscriptLine['from'], text: string): Promise<void> {
    if (text.trim() === '') return;
    const lines = (await this.lines.get(context)) ?? [];
    await this.lines.set(context, [...lines, { from, text: redactForTranscript(text), at: this.now().toISOString() }].slice(-RECENT_LINES));
  }

  async recent(context: TurnContext): Promise<TranscriptLine[]> {
    return [...((await this.lines.get(context)) ?? [])];
  }

  /**
   * For `context.onSendActivities`: records the bot's messages as they are sent. A turn without
   * a session (an apology after state failed to load) records nothing.
   */
  readonly recordSent = async (context: TurnContext, activities: Partial<Activity>[], next: () => Promise<ResourceResponse[]>): Promise<ResourceResponse[]> => {
    for (const activity of activities) {
      if (activity.type !== ActivityTypes.Message || typeof activity.text !== 'string') continue;
      try {
        await this.add(context, 'bot', activity.text);
      } catch {
        break;
      }
    }
    return next();
  };
}
