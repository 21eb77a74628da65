import { createHash, randomUUID } from 'node:crypto';
import { buildConsentReceipt } from '../../privacy/receipts/consent-receipt';
import type { Controller } from '../../privacy/receipts/controller';
import type { ReceiptSigner } from '../../privacy/receipts/receipt-signer';
import type { ConsentReceipt, IssuedReceipt, ReceiptRequest, StoredReceipt } from '../../privacy/receipts/receipt-types';
import { appendAudit } from '../audit/audit-log';
import { SqlDatabase, SqlExecutor } from '../db/sql-database';
import { LedgerError } from '../ledger-errors';
import type { PurposeCatalog } from '../purposes/purpose-catalog';

export interface ReceiptServiceDeps {
  readonly db: SqlDatabase;
  readonly catalog: PurposeCatalog;
  readonly signer: ReceiptSigner;
  readonly controller: Controller;
  /** Absolute base of customer links, without a trailing slash (PUBLIC_BASE_URL). */
  readonly publicBaseUrl: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

const SUBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A link token: 32 bytes in base64url, nothing else is looked up. */
const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;

interface ReceiptRow {
  id: string;
  subject_id: string;
  receipt: unknown;
  jws: string;
  issued_at: Date | string;
}

const tokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Signed consent receipts in the ledger: issued inside the transaction that records the change (a
 * rolled-back change leaves no receipt), found again by the customer's link token. The token is
 * derived from the receipt id with a key only the signer holds; the ledger stores its hash only.
 */
export class ReceiptService {
  private readonly now: () => Date;
  private readonly baseUrl: string;

  constructor(private readonly deps: ReceiptServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.baseUrl = deps.publicBaseUrl.replace(/\/+$/, '');
    for (const purposeId of Object.keys(deps.controller.thirdParties)) {
      if (!deps.catalog.get(purposeId)) throw new LedgerError('PSB_LEDGER_CATALOG_INVALID', `the controller file names third parties for purpose "${purposeId}", which is not in the purposes catalog`, { field: `thirdParties.${purposeId}` });
    }
  }

  private issued(receiptId: string, issuedAt: Date): IssuedReceipt {
    const token = this.deps.signer.linkToken(receiptId);
    return { receiptId, issuedAt, token, url: `${this.baseUrl}/receipts/${token}` };
  }

  /**
   * Builds, signs and stores the receipt of a change, with its audit entry, in the caller's
   * transaction. The same idempotency key again returns the receipt issued the first time (same id,
   * same link) and writes nothing.
   */
  async issue(tx: SqlExecutor, request: ReceiptRequest): Promise<IssuedReceipt> {
    if (!SUBJECT_ID.test(request.subjectId)) throw new LedgerError('PSB_LEDGER_UNKNOWN_SUBJECT', 'no subject with this id', { field: 'subjectId' });
    // Lock the subject (the consent change usually holds it already): one receipt per key, reliably.
    const subject = await tx.query('SELECT 1 FROM subject WHERE id = $1 FOR UPDATE', [request.subjectId]);
    if (subject.rows.length === 0) throw new LedgerError('PSB_LEDGER_UNKNOWN_SUBJECT', 'no subject with this id', { field: 'subjectId' });
    if (request.idempotencyKey) {
      const earlier = (await tx.query<{ id: string; subject_id: string; issued_at: Date | string }>('SELECT id, subject_id, issued_at FROM consent_receipt WHERE idempotency_key = $1', [request.idempotencyKey])).rows[0];
      if (earlier && earlier.subject_id !== request.subjectId) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'this idempotency key was already used for another subject', { field: 'idempotencyKey' });
      if (earlier) return this.issued(earlier.id, new Date(earlier.issued_at));
    }
    const receiptId = randomUUID();
    const issuedAt = this.now();
    const receipt = buildConsentReceipt({ request, catalog: this.deps.catalog, controller: this.deps.controller, receiptId, issuedAt });
    const jws = this.deps.signer.sign(receipt);
    const result = this.issued(receiptId, issuedAt);
    await tx.query('INSERT INTO consent_receipt (id, subject_id, idempotency_key, token_hash, receipt, jws, issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      receiptId,
      request.subjectId,
      request.idempotencyKey ?? null,
      tokenHash(result.token),
      JSON.stringify(receipt),
      jws,
      issuedAt,
    ]);
    await appendAudit(
      tx,
      { actor: 'system:receipts', reason: 'consent receipt issued to the customer', idempotencyKey: request.idempotencyKey },
      { action: 'receipt.issued', entity: 'subject', entityId: request.subjectId, details: { receiptId, kid: this.deps.signer.kid, events: request.changed.map((e) => e.id) } },
      issuedAt,
    );
    return result;
  }

  /** The receipt a link token opens, or undefined (unknown, malformed, or from another key). */
  async findByToken(token: string, executor: SqlExecutor = this.deps.db): Promise<StoredReceipt | undefined> {
    if (!LINK_TOKEN.test(token)) return undefined;
    const row = (await executor.query<ReceiptRow>('SELECT id, subject_id, receipt, jws, issued_at FROM consent_receipt WHERE token_hash = $1', [tokenHash(token)])).rows[0];
    if (!row) return undefined;
    const receipt = (typeof row.receipt === 'string' ? JSON.parse(row.receipt) : row.receipt) as ConsentReceipt;
    return { receiptId: row.id, subjectId: row.subject_id, issuedAt: new Date(row.issued_at), receipt, jws: row.jws };
  }
}
