import { StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { HandoffReason } from '../handoff/handoff-types';
import type { IncidentQuestionMatcher } from '../nlu/incident-question-matcher';
import type { PublishedNoticeCache } from '../privacy/concerns/published-notice-cache';

/** The published incident this conversation last asked about (conversation state: it expires with the session). */
export interface IncidentTopic {
  readonly incidentReference: string;
  /** ISO instant of the last question about it. */
  readonly at: string;
}

/** How long after a question about the incident a request for a person still counts as about it. */
export const INCIDENT_TOPIC_WINDOW_MS = 30 * 60 * 1000;

export interface IncidentConversationDeps {
  /** Conversation state: `new SessionProperty<IncidentTopic>('conversation', 'incidentTopic')`. */
  readonly topic: StatePropertyAccessor<IncidentTopic>;
  readonly notices: Pick<PublishedNoticeCache, 'current'>;
  readonly questions: Pick<IncidentQuestionMatcher, 'mentions'>;
  /** @default INCIDENT_TOPIC_WINDOW_MS */
  readonly windowMs?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/**
 * Whether a conversation is about the published incident, so that a person it asks for is a surge
 * agent's (`incident` handoffs are queued with their own priority). It is when the customer asked
 * about that incident in this conversation within the last `windowMs` (the incident dialog notes
 * it), or names it in the very message that asks for a person ("a person about the breach") — and
 * only while the notice is published.
 */
export class IncidentConversation {
  private readonly windowMs: number;
  private readonly now: () => Date;

  constructor(private readonly deps: IncidentConversationDeps) {
    this.windowMs = deps.windowMs ?? INCIDENT_TOPIC_WINDOW_MS;
    this.now = deps.now ?? (() => new Date());
  }

  /** The customer asked about this incident now. */
  async noted(context: TurnContext, incidentReference: string): Promise<void> {
    await this.deps.topic.set(context, { incidentReference, at: this.now().toISOString() });
  }

  /** For `HandoffDialogDeps.reasonOf`: `incident` when the conversation is about the published incident. */
  readonly reasonOf = async (context: TurnContext): Promise<HandoffReason | undefined> => {
    const text = typeof context.activity.text === 'string' ? context.activity.text : '';
    const topic = await this.deps.topic.get(context);
    const recent = topic !== undefined && this.now().getTime() - Date.parse(topic.at) <= this.windowMs;
    if (!recent && !this.deps.questions.mentions(text)) return undefined;
    const notice = await this.deps.notices.current();
    if (!notice) return undefined;
    if (recent && topic.incidentReference !== notice.incidentReference && !this.deps.questions.mentions(text)) return undefined;
    return 'incident';
  };
}
