import type { WriteContext } from '../../ledger/audit/audit-log';
import type { IdentifierKind } from '../../ledger/subjects/identifiers';
import type { Regime } from '../clocks/regimes';
import type { AccessCase, AccessCaseStatus, DataCategory } from './access-types';

/** What the customer is told before saying yes: the deadline and what can be asked for. */
export interface AccessPreview {
  readonly regime: Regime;
  /** The statutory deadline if the request were made now. */
  readonly dueAt: Date;
  /** Receipt must be confirmed by then (CCPA), or null. */
  readonly acknowledgeBy: Date | null;
  /** Every category the configured sources hold, in display order. */
  readonly categories: readonly DataCategory[];
  /** The subject's open case, if any: asking again reuses it. */
  readonly openCase: AccessCase | null;
}

/** A customer's request for a copy, as the dialog makes it. */
export interface NewAccessRequest {
  readonly subjectId: string;
  /** Category ids asked for; null = everything. */
  readonly categories: readonly string[] | null;
  /** Where it was asked ("webchat", "msteams", …). */
  readonly channel: string;
  /** The stored conversation (route + reference) for the "ready" message; opaque here. */
  readonly conversation: Record<string, unknown> | null;
  readonly locale: string;
  /** IANA zone of the customer (dates in messages); the regime's zone when unknown. */
  readonly timeZone: string;
  /** The kind of identifier the customer gave: the notices go to the contact on file of that kind. */
  readonly contactKind: IdentifierKind | null;
}

export interface AccessRequestOutcome {
  readonly case: AccessCase;
  /** True when an open case already existed and was given back instead of a new one. */
  readonly reused: boolean;
}

/** Filters of the privacy team's list. */
export interface AccessCaseQuery {
  /** Only open cases due within this many days (overdue included). */
  readonly dueWithinDays?: number;
  /** Include closed cases (fulfilled, rejected, withdrawn) of the last 90 days. @default false */
  readonly includeClosed?: boolean;
}

/**
 * Access requests as the dialogs, the agent console and the CLI use them (one service, no rule
 * anywhere else). Every change is one ledger transaction with its audit entry; a customer notice
 * that must follow (copy ready, extension, refusal) is queued in the same transaction.
 */
export interface AccessRequests {
  readonly categories: readonly DataCategory[];
  preview(subjectId: string): Promise<AccessPreview>;
  /** Opens a case with one job per source holding the categories, or gives back the open one. */
  request(input: NewAccessRequest, context: WriteContext): Promise<AccessRequestOutcome>;
  /** The subject's open cases and those closed in the last 90 days, newest first. */
  casesOf(subjectId: string): Promise<AccessCase[]>;
  /** A case by a typed reference (check symbol verified), or undefined. */
  find(typedReference: string): Promise<AccessCase | undefined>;
  /** The privacy team's list: open cases sorted by time left (overdue first). */
  list(query?: AccessCaseQuery): Promise<AccessCase[]>;
  /** Review required: the team releases the assembled copy; the customer is told. */
  release(reference: string, context: WriteContext): Promise<AccessCase>;
  /** Extends to the regime's maximum, with a reason the customer is told; only before the first deadline. */
  extend(reference: string, reason: string, context: WriteContext): Promise<AccessCase>;
  /** Refuses as manifestly unfounded or excessive; the customer is told why and of the right to complain. */
  refuse(reference: string, reason: string, context: WriteContext): Promise<AccessCase>;
  /** Runs a failed (or any unfinished) source again; a blocked case goes back in progress. */
  rerunSource(reference: string, sourceId: string, context: WriteContext): Promise<AccessCase>;
}

/** Status words keys: `access.status.<status>` in locales/<lang>/messages.json. */
export type AccessStatusKey = `access.status.${AccessCaseStatus}`;
