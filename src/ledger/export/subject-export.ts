/**
 * Everything the ledger holds about one person, as a JSON-ready object (dates as ISO strings): the
 * privacy team's answer to "what do you have on me?" for the ledger itself (GDPR Art. 15, CCPA right
 * to know), and the DPO's proof of what happened (hashes included, so the copy can be checked against
 * the chain later).
 */
import { ConsentEvent } from '../consent/consent-types';
import { SqlExecutor } from '../db/sql-database';
import { Ledger } from '../ledger';
import { LedgerError } from '../ledger-errors';
import { IdentifierKind, NormalizedIdentifier } from '../subjects/identifiers';
import type { Subject } from '../subjects/subject-service';

/** Bumped when a field changes meaning or disappears; new fields do not bump it. */
export const SUBJECT_EXPORT_FORMAT = 'psb-subject-export/1';

export interface ExportedPurpose {
  readonly id: string;
  /** In the subject's preferred language when shipped, else English; the id when the catalog no longer has it. */
  readonly label: string;
  readonly description: string | null;
  readonly dpvPurpose: string | null;
  readonly legalBasis: string | null;
  readonly noticeUrl: string | null;
}

export interface ExportedConsent {
  readonly purpose: ExportedPurpose;
  readonly channel: string;
  readonly state: string;
  readonly since: string;
  readonly eventId: string;
}

export interface ExportedConsentEvent {
  readonly id: string;
  readonly seq: number;
  readonly purposeId: string;
  readonly purposeLabel: string;
  readonly channel: string;
  readonly state: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly collectionMethod: string;
  readonly noticeVersion: string;
  readonly language: string;
  readonly conversationId: string | null;
  readonly actor: string;
  readonly evidence: Record<string, unknown>;
  readonly prevHash: string | null;
  readonly hash: string;
}

export interface ExportedStatusChange {
  readonly status: string;
  readonly reason: string | null;
  readonly actor: string;
  readonly at: string;
}

export interface ExportedRequest {
  readonly id: string;
  readonly reference: string;
  readonly type: string;
  readonly regime: string;
  readonly receivedAt: string;
  readonly acknowledgeBy: string | null;
  readonly dueAt: string;
  readonly extendedDueAt: string | null;
  readonly status: string;
  readonly history: readonly ExportedStatusChange[];
}

export interface ExportedConcern {
  readonly id: string;
  readonly reference: string;
  /** What it is about: breach, use, answer, other. */
  readonly topic: string;
  /** The person's own words, opened for them (a row from before migration 009: the redacted text it kept). */
  readonly description: string;
  readonly occurredAt: string | null;
  readonly occurredPhrase: string | null;
  readonly dataCategories: readonly string[];
  readonly dataPhrase: string | null;
  readonly channel: string | null;
  readonly locale: string | null;
  readonly reportedAt: string;
  readonly suspectedBreach: boolean;
  /** Set when it was confirmed as a breach; the clocks run on its incident. */
  readonly awarenessAt: string | null;
  readonly incidentReference: string | null;
  readonly status: string;
  /** Rows from before migration 009 only (null since): their category, redacted text, deadline and severity. */
  readonly category: string | null;
  readonly descriptionRedacted: string | null;
  readonly authorityDueAt: string | null;
  readonly severity: string | null;
  readonly history: readonly ExportedStatusChange[];
}

/** An incident the person is among the affected of, and their Art. 34 notice. */
export interface ExportedIncidentAffected {
  readonly incidentReference: string;
  readonly addedAt: string;
  readonly notice: { readonly status: 'pending' | 'sent'; readonly sentAt: string | null } | null;
}

export interface ExportedVerification {
  readonly id: string;
  readonly method: string;
  readonly level: string;
  readonly outcome: string;
  readonly agent: string | null;
  readonly notes: string | null;
  readonly at: string;
}

export interface ExportedAuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly entity: string;
  readonly entityId: string;
  readonly reason: string;
  readonly details: unknown;
  readonly prevHash: string | null;
  readonly hash: string;
}

export interface ExportedReceipt {
  /** The receipt's consentReceiptID. */
  readonly id: string;
  readonly issuedAt: string;
  /** The signed payload (Kantara Consent Receipt v1.1 fields). */
  readonly receipt: unknown;
  /** Compact JWS over it: what proves the receipt. */
  readonly jws: string;
}

export interface SubjectExport {
  readonly format: typeof SUBJECT_EXPORT_FORMAT;
  readonly generatedAt: string;
  readonly subject: { readonly id: string; readonly regime: string; readonly preferredLocale: string | null; readonly createdAt: string };
  readonly identifiers: readonly NormalizedIdentifier[];
  /** Current state per purpose × channel (channels never asked are absent). */
  readonly consents: readonly ExportedConsent[];
  /** Every consent event, oldest first, with its link in the subject's hash chain. */
  readonly consentHistory: readonly ExportedConsentEvent[];
  readonly consentChain: { readonly length: number; readonly head: string | null };
  readonly requests: readonly ExportedRequest[];
  readonly concerns: readonly ExportedConcern[];
  /** Breach incidents the person was affected by (never the incident's record: it is about other people too). */
  readonly affectedBy: readonly ExportedIncidentAffected[];
  readonly verifications: readonly ExportedVerification[];
  /** Signed consent receipts the subject was given, oldest first. */
  readonly receipts: readonly ExportedReceipt[];
  /** Audit entries about the subject, its requests and its concerns, in chain order. */
  readonly audit: readonly ExportedAuditEntry[];
}

export interface SubjectExportOptions {
  /** Stamped as `generatedAt`. @default () => new Date() */
  readonly now?: () => Date;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

function purposeView(ledger: Ledger, purposeId: string, locale: string | null): ExportedPurpose {
  const purpose = ledger.catalog.get(purposeId);
  if (!purpose) return { id: purposeId, label: purposeId, description: null, dpvPurpose: null, legalBasis: null, noticeUrl: null };
  const language = (locale ?? 'en').toLowerCase().split(/[-_]/)[0];
  const text = purpose.text[language] ?? purpose.text.en;
  return { id: purpose.id, label: text?.label ?? purpose.id, description: text?.description ?? null, dpvPurpose: purpose.dpvPurpose, legalBasis: purpose.legalBasis, noticeUrl: purpose.notice.url };
}

function eventView(event: ConsentEvent, label: string): ExportedConsentEvent {
  return {
    id: event.id,
    seq: event.subjectSeq,
    purposeId: event.purposeId,
    purposeLabel: label,
    channel: event.channel,
    state: event.state,
    occurredAt: event.occurredAt.toISOString(),
    recordedAt: event.recordedAt.toISOString(),
    collectionMethod: event.collectionMethod,
    noticeVersion: event.noticeVersion,
    language: event.language,
    conversationId: event.conversationId,
    actor: event.actor,
    evidence: event.evidence,
    prevHash: event.prevHash,
    hash: event.hash,
  };
}

const historyView = (history: readonly { status: string; reason: string | null; actor: string; at: Date }[]): ExportedStatusChange[] =>
  history.map((h) => ({ status: h.status, reason: h.reason, actor: h.actor, at: h.at.toISOString() }));

async function auditEntries(tx: SqlExecutor, entityIds: readonly string[]): Promise<ExportedAuditEntry[]> {
  const rows = (await tx.query<{ seq: string | number; at: Date | string; actor: string; action: string; entity: string; entity_id: string; reason: string; details: unknown; prev_hash: string | null; hash: string }>(
    'SELECT seq, at, actor, action, entity, entity_id, reason, details, prev_hash, hash FROM audit_log WHERE entity_id = ANY($1::text[]) ORDER BY seq',
    [entityIds],
  )).rows;
  return rows.map((r) => ({
    seq: Number(r.seq),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    entity: r.entity,
    entityId: r.entity_id,
    reason: r.reason,
    details: typeof r.details === 'string' ? (JSON.parse(r.details) as unknown) : r.details,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}

async function receiptsOf(tx: SqlExecutor, subjectId: string): Promise<ExportedReceipt[]> {
  const rows = (await tx.query<{ id: string; receipt: unknown; jws: string; issued_at: Date | string }>('SELECT id, receipt, jws, issued_at FROM consent_receipt WHERE subject_id = $1 ORDER BY issued_at, id', [subjectId])).rows;
  return rows.map((r) => ({ id: r.id, issuedAt: new Date(r.issued_at).toISOString(), receipt: typeof r.receipt === 'string' ? (JSON.parse(r.receipt) as unknown) : r.receipt, jws: r.jws }));
}

/**
 * Everything about the subject with this identifier, read in one repeatable-read transaction so
 * the parts agree with each other.
 * @throws LedgerError `PSB_LEDGER_UNKNOWN_SUBJECT` when no subject has it, `PSB_LEDGER_INVALID_INPUT` when it is malformed.
 */
export async function exportSubject(ledger: Ledger, kind: IdentifierKind, value: string, options: SubjectExportOptions = {}): Promise<SubjectExport> {
  const generatedAt = (options.now ?? (() => new Date()))();
  return ledger.db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const subject = await ledger.subjects.find(kind, value, tx);
    if (!subject) throw new LedgerError('PSB_LEDGER_UNKNOWN_SUBJECT', `no subject has this ${kind}`, { field: kind });
    return exportIn(tx, ledger, subject, generatedAt);
  });
}

/**
 * The same, for the subject with this ledger id (an access request's subject).
 * @throws LedgerError `PSB_LEDGER_UNKNOWN_SUBJECT` when there is none.
 */
export async function exportSubjectById(ledger: Ledger, subjectId: string, options: SubjectExportOptions = {}): Promise<SubjectExport> {
  const generatedAt = (options.now ?? (() => new Date()))();
  return ledger.db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const subject = await ledger.subjects.byId(subjectId, tx);
    if (!subject) throw new LedgerError('PSB_LEDGER_UNKNOWN_SUBJECT', 'no subject has this id', { field: 'subjectId' });
    return exportIn(tx, ledger, subject, generatedAt);
  });
}

async function exportIn(tx: SqlExecutor, ledger: Ledger, subject: Subject, generatedAt: Date): Promise<SubjectExport> {
  const locale = subject.preferredLocale;
  const label = (purposeId: string): string => purposeView(ledger, purposeId, locale).label;
  const [identifiers, current, history, requests, concerns, verifications, chain] = [
    await ledger.subjects.identifiersOf(subject.id, tx),
    await ledger.consent.current(subject.id, tx),
    await ledger.consent.history(subject.id, undefined, tx),
    await ledger.requests.forSubject(subject.id, tx),
    await ledger.concerns.forSubject(subject.id, tx),
    await ledger.verifications.forSubject(subject.id, tx),
    (await tx.query<{ consent_chain_length: number; consent_chain_head: string | null }>('SELECT consent_chain_length, consent_chain_head FROM subject WHERE id = $1', [subject.id])).rows[0],
  ];
  const histories = await ledger.concerns.histories(concerns.map((c) => c.id), tx);
  const exportedConcerns: ExportedConcern[] = concerns.map((c) => {
    const words = ledger.concerns.openWords(c);
    return {
      id: c.id,
      reference: c.reference,
      topic: c.topic,
      description: words.description,
      occurredAt: iso(c.occurredAt),
      occurredPhrase: words.occurredPhrase,
      dataCategories: [...c.dataCategories],
      dataPhrase: words.dataPhrase,
      channel: c.channel,
      locale: c.locale,
      reportedAt: c.reportedAt.toISOString(),
      suspectedBreach: c.suspectedBreach,
      awarenessAt: iso(c.awarenessAt),
      incidentReference: c.incidentReference,
      status: c.status,
      category: c.legacy.category,
      descriptionRedacted: c.legacy.descriptionRedacted,
      authorityDueAt: iso(c.legacy.authorityDueAt),
      severity: c.legacy.severity,
      history: historyView(histories.get(c.id) ?? []),
    };
  });
  const affectedBy: ExportedIncidentAffected[] = (await ledger.incidents.affecting(subject.id, tx)).map((a) => ({
    incidentReference: a.reference,
    addedAt: a.addedAt.toISOString(),
    notice: a.notice ? { status: a.notice.status, sentAt: iso(a.notice.sentAt) } : null,
  }));
  return {
    format: SUBJECT_EXPORT_FORMAT,
    generatedAt: generatedAt.toISOString(),
    subject: { id: subject.id, regime: subject.regime, preferredLocale: subject.preferredLocale, createdAt: subject.createdAt.toISOString() },
    identifiers,
    consents: current.map((c) => ({ purpose: purposeView(ledger, c.purposeId, locale), channel: c.channel, state: c.state, since: c.since.toISOString(), eventId: c.eventId })),
    consentHistory: history.map((e) => eventView(e, label(e.purposeId))),
    consentChain: { length: Number(chain.consent_chain_length), head: chain.consent_chain_head },
    requests: requests.map((r) => ({
      id: r.id,
      reference: r.reference,
      type: r.type,
      regime: r.regime,
      receivedAt: r.receivedAt.toISOString(),
      acknowledgeBy: iso(r.acknowledgeBy),
      dueAt: r.dueAt.toISOString(),
      extendedDueAt: iso(r.extendedDueAt),
      status: r.status,
      history: historyView(r.history),
    })),
    concerns: exportedConcerns,
    affectedBy,
    verifications: verifications.map((v) => ({ id: v.id, method: v.method, level: v.level, outcome: v.outcome, agent: v.agent ?? null, notes: v.notes ?? null, at: v.at.toISOString() })),
    receipts: await receiptsOf(tx, subject.id),
    audit: await auditEntries(tx, [subject.id, ...requests.map((r) => r.id), ...concerns.map((c) => c.id)]),
  };
}
