import { randomUUID } from 'node:crypto';
import { Regime, isRegime } from '../../privacy/clocks/regimes';
import { appendAudit, WriteContext } from '../audit/audit-log';
import { SqlDatabase, SqlExecutor } from '../db/sql-database';
import { LedgerError } from '../ledger-errors';
import { IdentifierCipher } from './identifier-cipher';
import { IdentifierHasher, IdentifierKind, normalizeIdentifier, NormalizedIdentifier } from './identifiers';

export interface Subject {
  readonly id: string;
  readonly regime: Regime;
  readonly preferredLocale: string | null;
  readonly createdAt: Date;
}

export interface NewSubject {
  readonly identifiers: readonly { kind: IdentifierKind; value: string }[];
  readonly regime: Regime;
  readonly preferredLocale?: string;
}

interface SubjectRow {
  id: string;
  regime: Regime;
  preferred_locale: string | null;
  created_at: Date | string;
}

/** Code-point order, as `ORDER BY` in the C collation: the same on both backends. */
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function toSubject(row: SubjectRow): Subject {
  return { id: row.id, regime: row.regime, preferredLocale: row.preferred_locale, createdAt: new Date(row.created_at) };
}

interface IdentifierRow {
  kind: IdentifierKind;
  lookup_hash: string;
  value: string | null;
  value_ciphertext: string | null;
  key_id: string | null;
}

/**
 * People in the ledger, found only through the keyed hash of a normalised identifier. Identifier
 * values are stored sealed (AES-256-GCM under LEDGER_ENCRYPTION_KEY) and opened only here.
 */
export class SubjectService {
  constructor(
    private readonly db: SqlDatabase,
    private readonly hasher: IdentifierHasher,
    private readonly now: () => Date,
    private readonly cipher: IdentifierCipher,
  ) {}

  normalize(kind: IdentifierKind, value: string): NormalizedIdentifier {
    return normalizeIdentifier(kind, value);
  }

  /** The subject with this identifier, or undefined. A malformed identifier is refused. */
  async find(kind: IdentifierKind, value: string, executor: SqlExecutor = this.db): Promise<Subject | undefined> {
    const lookup = this.hasher.hash(normalizeIdentifier(kind, value));
    const result = await executor.query<SubjectRow>(
      'SELECT s.id, s.regime, s.preferred_locale, s.created_at FROM subject_identifier i JOIN subject s ON s.id = i.subject_id WHERE i.kind = $1 AND i.lookup_hash = $2',
      [kind, lookup],
    );
    return result.rows[0] ? toSubject(result.rows[0]) : undefined;
  }

  async require(kind: IdentifierKind, value: string, executor: SqlExecutor = this.db): Promise<Subject> {
    const subject = await this.find(kind, value, executor);
    if (!subject) throw new LedgerError('PSB_LEDGER_UNKNOWN_SUBJECT', `no subject has this ${kind}`, { field: kind });
    return subject;
  }

  async byId(id: string, executor: SqlExecutor = this.db): Promise<Subject | undefined> {
    const result = await executor.query<SubjectRow>('SELECT id, regime, preferred_locale, created_at FROM subject WHERE id = $1', [id]);
    return result.rows[0] ? toSubject(result.rows[0]) : undefined;
  }

  /**
   * The identifiers on record for a subject, normalised and decrypted, by kind then value.
   * @throws LedgerError `PSB_LEDGER_ENCRYPTION_KEY` when a value was sealed under a key not configured.
   */
  async identifiersOf(subjectId: string, executor: SqlExecutor = this.db): Promise<NormalizedIdentifier[]> {
    const result = await executor.query<IdentifierRow>('SELECT kind, lookup_hash, value, value_ciphertext, key_id FROM subject_identifier WHERE subject_id = $1', [subjectId]);
    const identifiers = result.rows.map((r) => ({ kind: r.kind, value: this.clearValue(r) }));
    return identifiers.sort((a, b) => (a.kind === b.kind ? compare(a.value, b.value) : compare(a.kind, b.kind)));
  }

  /** A row's value: opened, or as it is when an instance older than migration 006 wrote it in clear (sealed at the next open). */
  private clearValue(row: IdentifierRow): string {
    if (row.value_ciphertext === null || row.key_id === null) return row.value ?? '';
    return this.cipher.open({ ciphertext: row.value_ciphertext, keyId: row.key_id }, { kind: row.kind, lookupHash: row.lookup_hash });
  }

  /**
   * Registers a person, or returns the existing subject when one of the identifiers is already
   * known (identifiers of one person never split over two subjects). Runs in the caller's
   * transaction when given one.
   */
  async register(input: NewSubject, context: WriteContext, tx?: SqlExecutor): Promise<Subject> {
    if (!isRegime(input.regime)) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `unknown regime "${String(input.regime)}"`, { field: 'regime' });
    if (input.identifiers.length === 0) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'a subject needs at least one identifier', { field: 'identifiers' });
    const normalized = input.identifiers.map((i) => normalizeIdentifier(i.kind, i.value));
    const work = async (executor: SqlExecutor): Promise<Subject> => {
      // The same person registering twice at once: the second waits here until the first commits, then finds it.
      for (const lookup of [...new Set(normalized.map((i) => this.hasher.hash(i)))].sort()) {
        await executor.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lookup]);
      }
      for (const identifier of normalized) {
        const existing = await this.find(identifier.kind, identifier.value, executor);
        if (existing) return existing;
      }
      const now = this.now();
      const id = randomUUID();
      await executor.query('INSERT INTO subject (id, regime, preferred_locale, created_at) VALUES ($1, $2, $3, $4)', [id, input.regime, input.preferredLocale ?? null, now]);
      for (const identifier of normalized) {
        const lookupHash = this.hasher.hash(identifier);
        const sealed = this.cipher.seal(identifier.value, { kind: identifier.kind, lookupHash });
        await executor.query('INSERT INTO subject_identifier (kind, lookup_hash, subject_id, value_ciphertext, key_id, added_at) VALUES ($1, $2, $3, $4, $5, $6)', [identifier.kind, lookupHash, id, sealed.ciphertext, sealed.keyId, now]);
      }
      await appendAudit(executor, context, { action: 'subject.registered', entity: 'subject', entityId: id, details: { regime: input.regime, identifierKinds: normalized.map((i) => i.kind) } }, now);
      return { id, regime: input.regime, preferredLocale: input.preferredLocale ?? null, createdAt: now };
    };
    return tx ? work(tx) : this.db.transaction(work);
  }
}
