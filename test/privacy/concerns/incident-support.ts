import { IncidentSubjectNotices } from '../../../src/ledger/concerns/incident-subject-notices';
import type { SqlExecutor } from '../../../src/ledger/db/sql-database';
import type { Ledger } from '../../../src/ledger/ledger';
import type { Art33Record, Incident, IncidentNoticeText } from '../../../src/privacy/concerns/concern-types';
import type { Concerns } from '../../../src/privacy/concerns/concerns';

/** What incident mode reads of the concern service. */
export type IncidentReads = Pick<Concerns, 'publishedNotice' | 'isAffected' | 'incident'>;

/** A notice as the privacy team writes it, per language. */
export const NOTICE_EN: IncidentNoticeText = {
  whatHappened: 'On 2 March someone got into one of our order systems using a stolen password.',
  whatData: 'Names, email addresses and order history. No payment card data.',
  whatWeDo: 'We locked the account, reset every password and told the data protection authority.',
  whatYouShouldDo: 'Be careful with emails asking for your password: we never ask for it.',
};

export const NOTICE_IT: IncidentNoticeText = {
  whatHappened: 'Il 2 marzo qualcuno è entrato in uno dei nostri sistemi degli ordini con una password rubata.',
  whatData: 'Nomi, indirizzi email e storico degli ordini. Nessun dato delle carte di pagamento.',
  whatWeDo: "Abbiamo bloccato l'account, reimpostato tutte le password e informato il Garante.",
  whatYouShouldDo: 'Faccia attenzione alle email che le chiedono la password: noi non la chiediamo mai.',
};

export const DPO_CONTACT = 'dpo@example.com';

const RECORD: Art33Record = {
  nature: 'unauthorised access',
  dataCategories: 'identity, orders',
  approxSubjects: 2,
  approxRecords: 10,
  likelyConsequences: 'phishing',
  measures: 'passwords reset',
  dpoContact: DPO_CONTACT,
  delayReasons: '',
};

/**
 * Incident mode's reads over the real ledger records (IncidentStore), standing in for the concern
 * service where its other rules are not the point: the published notice, "is this subject affected",
 * an incident with its notice and record.
 */
export class LedgerIncidentReads implements IncidentReads {
  /** Calls of `publishedNotice` (what the cache saves the ledger). */
  publishedNoticeReads = 0;

  constructor(private readonly ledger: Ledger) {}

  async publishedNotice(): ReturnType<Concerns['publishedNotice']> {
    this.publishedNoticeReads += 1;
    const published = await this.ledger.incidents.publishedNotice();
    return published && { incidentReference: published.reference, texts: published.notice.texts };
  }

  /** By its exact reference (as the notice gave it). */
  private async stored(reference: string) {
    return (await this.ledger.incidents.list()).find((incident) => incident.reference === reference);
  }

  async isAffected(incidentReference: string, subjectId: string): Promise<boolean> {
    const incident = await this.stored(incidentReference);
    return incident !== undefined && this.ledger.incidents.isAffected(incident.id, subjectId);
  }

  async incident(reference: string): Promise<Incident | undefined> {
    const stored = await this.stored(reference);
    if (!stored) return undefined;
    const notice = (await this.ledger.incidents.notices([stored.id])).get(stored.id);
    return {
      id: stored.id,
      reference: stored.reference,
      title: stored.title,
      awarenessAt: stored.awarenessAt,
      regimes: stored.regimes,
      clocks: [],
      state: stored.state,
      record: { ...RECORD, ...(stored.record as Partial<Art33Record>) },
      phases: [],
      concernReferences: [],
      notice: notice ? { texts: notice.texts, publishedAt: notice.publishedAt, withdrawnAt: notice.withdrawnAt } : null,
      affectedCount: 0,
    };
  }
}

export interface SeededIncident {
  readonly id: string;
  readonly reference: string;
}

/** An incident with its notice texts (published or not), written as the service would. */
export async function seedIncident(ledger: Ledger, options: { texts: Readonly<Record<string, IncidentNoticeText>>; published: boolean; at?: Date; dpoContact?: string }): Promise<SeededIncident> {
  const at = options.at ?? new Date();
  return ledger.db.transaction(async (tx) => {
    const incident = await ledger.incidents.insert(tx, {
      title: 'Order system access',
      awarenessAt: at,
      awarenessReason: null,
      regimes: ['gdpr'],
      record: { ...RECORD, dpoContact: options.dpoContact ?? DPO_CONTACT },
      at,
      actor: 'agent:privacy-test',
    });
    await ledger.incidents.setNoticeTexts(tx, incident.id, options.texts, at, 'agent:privacy-test');
    if (options.published) await publishIn(ledger, tx, incident.id, at);
    return { id: incident.id, reference: incident.reference };
  });
}

/** One notice is published at a time: the one of an earlier test is withdrawn first. */
async function publishIn(ledger: Ledger, tx: SqlExecutor, incidentId: string, at: Date): Promise<void> {
  const earlier = await ledger.incidents.publishedNotice(tx);
  if (earlier && earlier.incidentId !== incidentId) await ledger.incidents.withdrawNotice(tx, earlier.incidentId, at);
  await ledger.incidents.publishNotice(tx, incidentId, at);
}

export async function publish(ledger: Ledger, incident: SeededIncident, at = new Date()): Promise<void> {
  await ledger.db.transaction((tx) => publishIn(ledger, tx, incident.id, at));
}

export async function withdraw(ledger: Ledger, incident: SeededIncident, at = new Date()): Promise<void> {
  await ledger.db.transaction((tx) => ledger.incidents.withdrawNotice(tx, incident.id, at));
}

/** Imports affected subjects and queues their Art. 34 notices, in one transaction (as `importAffected` does). */
export async function affect(ledger: Ledger, notices: IncidentSubjectNotices, incident: SeededIncident, subjectIds: readonly string[], at = new Date()): Promise<void> {
  await ledger.db.transaction(async (tx) => {
    const added = await ledger.incidents.addAffected(tx, incident.id, subjectIds, at, 'affected.csv');
    await notices.enqueue(tx, incident.id, added, at);
  });
}
