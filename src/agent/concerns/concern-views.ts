import { UNTRIAGED_STATES } from '../../privacy/concerns/concern-rules';
import type { ConcernCase, ConcernState, ConcernTopic } from '../../privacy/concerns/concern-types';
import { isoOrNull } from '../view-dates';

/**
 * What the agent API shows of concerns. The list and the actions' answers carry no customer text:
 * the description and the contact reach the page only from `GET /concerns/:reference`, whose every
 * answer the concern service audits (`show`). Instants are ISO strings.
 */
export interface ConcernSummary {
  readonly reference: string;
  readonly topic: ConcernTopic;
  readonly suspectedBreach: boolean;
  readonly state: ConcernState;
  /** Not triaged yet (`reported`): the list shows these first. */
  readonly isNew: boolean;
  readonly reportedAt: string;
  /** When it happened or was noticed: the instant understood (null: not understood) and the customer's words. */
  readonly occurred: { readonly at: string | null; readonly phrase: string } | null;
  readonly dataCategories: readonly string[];
  readonly dataPhrase: string | null;
  readonly channel: string | null;
  readonly locale: string;
  readonly timeZone: string;
  /** The customer said who they are (a subject in the ledger). */
  readonly identified: boolean;
  readonly awarenessAt: string | null;
  readonly incidentReference: string | null;
  /** null: no DPO alert (not a suspected breach). `pending` webhook: not yet delivered (retried). */
  readonly dpoAlert: ConcernCase['dpoAlert'];
}

export interface ConcernEventView {
  readonly state: ConcernState;
  readonly reason: string | null;
  readonly actor: string;
  readonly at: string;
}

/** Which actions the page offers. Hints only: the service decides, and refuses (409) what it does not allow. */
export interface ConcernActions {
  readonly confirm: boolean;
  readonly dismiss: boolean;
  readonly merge: boolean;
  readonly reply: boolean;
}

/** A concern with its history and actions, still without the customer's words. */
export interface ConcernCaseView extends ConcernSummary {
  readonly subjectId: string | null;
  /** Oldest first. */
  readonly history: readonly ConcernEventView[];
  readonly actions: ConcernActions;
}

/** A concern opened for the team: the above and the customer's words (inert text on the page). */
export interface ConcernOpened extends ConcernCaseView {
  readonly description: string;
  readonly contact: string | null;
}

export interface ConcernListView {
  readonly now: string;
  /** New reports first, breach suspects first among them (as the service sorts them). */
  readonly concerns: readonly ConcernSummary[];
}

export interface ConcernOpenedView {
  readonly now: string;
  readonly concern: ConcernOpened;
}

export interface ConcernCaseAnswer {
  readonly now: string;
  readonly concern: ConcernCaseView;
}

export function concernSummary(concern: ConcernCase): ConcernSummary {
  return {
    reference: concern.reference,
    topic: concern.topic,
    suspectedBreach: concern.suspectedBreach,
    state: concern.state,
    isNew: concern.state === 'reported',
    reportedAt: concern.reportedAt.toISOString(),
    occurred: concern.occurred ? { at: isoOrNull(concern.occurred.at), phrase: concern.occurred.phrase } : null,
    dataCategories: concern.dataCategories,
    dataPhrase: concern.dataPhrase,
    channel: concern.channel,
    locale: concern.locale,
    timeZone: concern.timeZone,
    identified: concern.subjectId !== null,
    awarenessAt: isoOrNull(concern.awarenessAt),
    incidentReference: concern.incidentReference,
    dpoAlert: concern.dpoAlert,
  };
}

export function concernCaseView(concern: ConcernCase): ConcernCaseView {
  const open = UNTRIAGED_STATES.includes(concern.state);
  return {
    ...concernSummary(concern),
    subjectId: concern.subjectId,
    history: concern.history.map((event) => ({ state: event.state, reason: event.reason, actor: event.actor, at: event.at.toISOString() })),
    actions: { confirm: open, dismiss: open, merge: open, reply: true },
  };
}

export function concernOpened(concern: ConcernCase, description: string, contact: string | null): ConcernOpened {
  return { ...concernCaseView(concern), description, contact };
}
