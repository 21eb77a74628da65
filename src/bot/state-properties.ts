import { StatePropertyAccessor } from 'botbuilder';
import { DialogState } from 'botbuilder-dialogs';
import { SessionProperty } from '../turn/session-property';
import type { TranscriptLine } from '../handoff/handoff-types';
import type { IncidentTopic } from './incident-topic';
import { MemberDialogState, MemberDialogStates } from './member-dialog-state';
import { ActiveHandoff, SessionAssurance, UserPreferences } from './session-types';

/** The state the bot keeps, by scope: the dialog stack per conversation (per member where it is shared), preferences per person. */
export interface StateProperties {
  /** The dialog stack of whoever is talking: the conversation's, or in a shared conversation the member's (see MemberDialogState). */
  readonly dialogState: StatePropertyAccessor<DialogState>;
  readonly preferences: SessionProperty<UserPreferences>;
  /** Whether this conversation has been greeted. */
  readonly welcomed: SessionProperty<boolean>;
  /** Who the customer is, as far as this conversation knows (identified / verified); expires with it. */
  readonly assurance: SessionProperty<SessionAssurance>;
  /** The handoff to a person in progress, if any. */
  readonly handoff: SessionProperty<ActiveHandoff>;
  /** The conversation's last lines, redacted: the context a handoff gives the agent. */
  readonly recentLines: SessionProperty<TranscriptLine[]>;
  /** Subjects whose opt-out of the sale/sharing of their data this conversation recorded (asked for, or by GPC): GPC records it once. */
  readonly saleOptOuts: SessionProperty<string[]>;
  /** The published incident this conversation asked about, and when: a person asked for next is a surge agent's. */
  readonly incidentTopic: SessionProperty<IncidentTopic>;
  /** The customer's IANA time zone, from the first activity that told one: every later time is said in it. */
  readonly timeZone: SessionProperty<string>;
}

export function createStateProperties(): StateProperties {
  return {
    dialogState: new MemberDialogState(new SessionProperty<DialogState>('conversation', 'dialogState'), new SessionProperty<MemberDialogStates>('conversation', 'memberDialogStates')),
    preferences: new SessionProperty<UserPreferences>('user', 'preferences'),
    welcomed: new SessionProperty<boolean>('conversation', 'welcomed'),
    assurance: new SessionProperty<SessionAssurance>('conversation', 'assurance'),
    handoff: new SessionProperty<ActiveHandoff>('conversation', 'handoff'),
    recentLines: new SessionProperty<TranscriptLine[]>('conversation', 'recentLines'),
    saleOptOuts: new SessionProperty<string[]>('conversation', 'saleOptOuts'),
    incidentTopic: new SessionProperty<IncidentTopic>('conversation', 'incidentTopic'),
    timeZone: new SessionProperty<string>('conversation', 'timeZone'),
  };
}
