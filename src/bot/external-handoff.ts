import { Activity, ActivityTypes, EventFactory, HandoffEventNames, TurnContext } from 'botbuilder';
import type { ClaimedIdentity, HandoffReason, TranscriptLine } from '../handoff/handoff-types';
import type { PolicyAction } from '../privacy/assurance/assurance-policy';

/**
 * What an external agent hub (Dynamics 365 Omnichannel, LivePerson…) receives as the `value` of
 * the `handoff.initiate` event: why, in which language, what waits, who the customer claims to
 * be (masked). The redacted transcript travels as the event's "Transcript" attachment.
 */
export interface ExternalHandoffContext {
  readonly reason: HandoffReason;
  /** The customer's language (shipped locale). */
  readonly locale: string;
  readonly pendingAction?: PolicyAction;
  readonly claimedIdentity?: ClaimedIdentity;
}

/** The states of a Bot Framework `handoff.status` event. */
export type ExternalHandoffState = 'accepted' | 'failed' | 'completed';

export interface ExternalHandoffStatus {
  readonly state: ExternalHandoffState;
  /** The hub's explanation of a failure, if any (not shown to customers). */
  readonly message?: string;
}

const STATES: readonly ExternalHandoffState[] = ['accepted', 'failed', 'completed'];

/** A transcript line as a message activity of this conversation (Transcript schema). */
function transcriptActivity(context: TurnContext, line: TranscriptLine): Activity {
  const { activity } = context;
  const byCustomer = line.from === 'customer';
  return {
    type: ActivityTypes.Message,
    text: line.text,
    timestamp: new Date(line.at),
    channelId: activity.channelId,
    serviceUrl: activity.serviceUrl,
    conversation: activity.conversation,
    from: { ...(byCustomer ? activity.from : activity.recipient), role: byCustomer ? 'user' : 'bot' },
    recipient: byCustomer ? activity.recipient : activity.from,
    localTimezone: '',
    callerId: '',
    label: '',
    valueType: '',
    listenFor: [],
  };
}

/**
 * The `handoff.initiate` event, exactly as `EventFactory.createHandoffInitiation` builds it
 * (name, `value` = the handoff context, `relatesTo` = this conversation, the transcript
 * attached as application/json "Transcript"), from the conversation's redacted lines.
 */
export function handoffInitiation(context: TurnContext, handoffContext: ExternalHandoffContext, lines: readonly TranscriptLine[]): Activity {
  return EventFactory.createHandoffInitiation(context, handoffContext, { activities: lines.map((line) => transcriptActivity(context, line)) });
}

/** The hub's `handoff.status` event of this turn, when it is a well-formed one. */
export function handoffStatusOf(activity: Partial<Activity>): ExternalHandoffStatus | undefined {
  if (activity.type !== ActivityTypes.Event || activity.name !== HandoffEventNames.HandoffStatus) return undefined;
  const value: unknown = activity.value;
  if (typeof value !== 'object' || value === null) return undefined;
  const { state, message } = value as Record<string, unknown>;
  if (!(STATES as readonly unknown[]).includes(state)) return undefined;
  return { state: state as ExternalHandoffState, ...(typeof message === 'string' ? { message } : {}) };
}
