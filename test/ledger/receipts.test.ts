import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import restify, { Server } from 'restify';
import { ConsentChange, ConsentProvenance } from '../../src/ledger/consent/consent-types';
import { Translations } from '../../src/i18n/translator';
import { Ledger } from '../../src/ledger/ledger';
import type { PurposeCatalog } from '../../src/ledger/purposes/purpose-catalog';
import { ReceiptService } from '../../src/ledger/receipts/receipt-service';
import { Subject } from '../../src/ledger/subjects/subject-service';
import { createLogger } from '../../src/log/logger';
import { loadController } from '../../src/privacy/receipts/controller';
import { ReceiptSigner } from '../../src/privacy/receipts/receipt-signer';
import type { IssuedReceipt } from '../../src/privacy/receipts/receipt-types';
import { verifyReceipt } from '../../src/privacy/receipts/receipt-verifier';
import { receiptRoutes } from '../../src/server/routes/receipt-routes';
import { assertLedgerError, countRows, forEachBackend, registerSubject } from './support/ledger-backends';

const PUBLIC_BASE_URL = 'https://privacy.example.com';
const CHAT: ConsentProvenance = { collectionMethod: 'web_chat', language: 'it-IT', conversationId: 'conv-receipts', evidence: { activityId: 'act-1' } };
const WITHDRAW_SMS: ConsentChange = { purposeId: 'marketing_offers', channel: 'sms', state: 'withdrawn' };
const RECEIPT_TABLES = ['consent_receipt', 'consent_event', 'audit_log', 'webhook_delivery'] as const;

class Rollback extends Error {}

/** A restify server with only the receipt routes, on a free port. */
async function startReceiptServer(receipts: ReceiptService, signer: ReceiptSigner, catalog: PurposeCatalog): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server: Server = restify.createServer({ handleUncaughtExceptions: false });
  receiptRoutes({ receipts, signer, publicBaseUrl: PUBLIC_BASE_URL, translations: await Translations.load(), catalog, defaultLocale: 'en', logger: createLogger({ level: 'silent' }) })(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

forEachBackend('consent receipts', (ctx) => {
  const signer = new ReceiptSigner(generateKeyPairSync('ed25519').privateKey);
  const controller = loadController();
  let receipts: ReceiptService;

  before(() => {
    receipts = new ReceiptService({ db: ctx.ledger.db, catalog: ctx.ledger.catalog, signer, controller, publicBaseUrl: `${PUBLIC_BASE_URL}/`, now: ctx.clock.now });
  });

  /** Gives offers by e-mail and SMS (an earlier import), so a later withdrawal has something to change. */
  async function customerWithOffers(ledger: Ledger): Promise<Subject> {
    const subject = await registerSubject(ledger);
    await ledger.consent.record(subject.id, [{ purposeId: 'marketing_offers', channel: 'email', state: 'given' }, { purposeId: 'marketing_offers', channel: 'sms', state: 'given' }], { collectionMethod: 'import', language: 'it' }, { actor: 'system:import', reason: 'test seed' });
    return subject;
  }

  /** What the consent dialog does: the change and its receipt in one transaction. */
  function changeWithReceipt(subject: Subject, changes: readonly ConsentChange[], key?: string, afterIssue?: () => void) {
    return ctx.ledger.db.transaction(async (tx) => {
      const recorded = await ctx.ledger.consent.record(subject.id, changes, CHAT, { actor: `customer:${subject.id}`, reason: 'customer changed consent in chat', idempotencyKey: key }, tx);
      const current = await ctx.ledger.consent.current(subject.id, tx);
      const issued = await receipts.issue(tx, { subjectId: subject.id, regime: subject.regime, language: CHAT.language, collectionMethod: 'web_chat', changed: recorded.events, current, disclosure: 'full_state', idempotencyKey: key });
      afterIssue?.();
      return { issued, events: recorded.events };
    });
  }

  it('issues a signed receipt with the change, found again by its link', async () => {
    const subject = await customerWithOffers(ctx.ledger);
    const { issued, events } = await changeWithReceipt(subject, [WITHDRAW_SMS], `receipt-${randomUUID()}`);
    assert.match(issued.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(issued.url, `${PUBLIC_BASE_URL}/receipts/${issued.token}`);
    assert.deepEqual(issued.issuedAt, ctx.clock.now());

    const stored = await receipts.findByToken(issued.token);
    assert.ok(stored, 'the link opens the receipt');
    assert.equal(stored.receiptId, issued.receiptId);
    assert.equal(stored.subjectId, subject.id);
    const verified = verifyReceipt(stored.jws, signer.publicKey);
    assert.ok(verified.valid, verified.valid ? '' : verified.reason);
    assert.deepEqual(verified.receipt, stored.receipt, 'the stored copy is what was signed');
    const receipt = stored.receipt;
    assert.equal(receipt.consentReceiptID, issued.receiptId);
    assert.equal(receipt.piiPrincipalId, subject.id);
    assert.equal(receipt.jurisdiction, 'EU');
    assert.deepEqual(receipt.changes.map((c) => [c.purposeId, c.channel, c.state, c.eventId]), [['marketing_offers', 'sms', 'withdrawn', events[0].id]]);
    // The receipt shows what the ledger now holds.
    const offers = receipt.services[0].purposes.find((p) => p.purposeId === 'marketing_offers');
    const ledgerState = await ctx.ledger.consent.current(subject.id);
    for (const held of ledgerState) {
      const channel = offers?.channels.find((c) => c.channel === held.channel);
      assert.deepEqual([channel?.state, channel?.eventId, channel?.since], [held.state, held.eventId, held.since.toISOString()]);
    }
    assert.deepEqual(offers?.channels.map((c) => [c.channel, c.state, c.changed]), [
      ['email', 'given', false],
      ['sms', 'withdrawn', true],
      ['phone', 'not_asked', false],
      ['post', 'not_asked', false],
      ['push', 'not_asked', false],
    ]);

    const audit = await ctx.ledger.db.query<{ action: string; entity_id: string; details: unknown }>("SELECT action, entity_id, details FROM audit_log WHERE action = 'receipt.issued' AND entity_id = $1", [subject.id]);
    assert.equal(audit.rows.length, 1);
    const details = (typeof audit.rows[0].details === 'string' ? JSON.parse(audit.rows[0].details) : audit.rows[0].details) as { receiptId: string; kid: string };
    assert.deepEqual([details.receiptId, details.kid], [issued.receiptId, signer.kid]);
    assert.equal((await ctx.ledger.verify()).ok, true, 'the audit chain still verifies');
  });

  it('stores only the hash of the link token', async () => {
    const subject = await customerWithOffers(ctx.ledger);
    const { issued } = await changeWithReceipt(subject, [WITHDRAW_SMS]);
    const row = (await ctx.ledger.db.query<{ token_hash: string; jws: string; receipt: unknown }>('SELECT token_hash, jws, receipt FROM consent_receipt WHERE id = $1', [issued.receiptId])).rows[0];
    assert.match(row.token_hash, /^[0-9a-f]{64}$/);
    assert.equal(JSON.stringify(row).includes(issued.token), false, 'the token itself is nowhere in the row');
  });

  it('the same idempotency key again returns the first receipt (same id, same link) and writes nothing', async () => {
    const subject = await customerWithOffers(ctx.ledger);
    const key = `turn-${randomUUID()}`;
    const first = await changeWithReceipt(subject, [WITHDRAW_SMS], key);
    const before = await countRows(ctx.ledger, RECEIPT_TABLES);
    ctx.clock.advance(60_000);
    const again = await changeWithReceipt(subject, [WITHDRAW_SMS], key);
    assert.deepEqual(again.issued, first.issued);
    assert.deepEqual(await countRows(ctx.ledger, RECEIPT_TABLES), before, 'no receipt, event or audit entry added');
  });

  it('an idempotency key of another subject is refused', async () => {
    const key = `turn-${randomUUID()}`;
    const one = await customerWithOffers(ctx.ledger);
    const other = await customerWithOffers(ctx.ledger);
    const first = await changeWithReceipt(one, [WITHDRAW_SMS], key);
    const events = (await ctx.ledger.consent.history(other.id)).slice(-1);
    await assertLedgerError(
      ctx.ledger.db.transaction(async (tx) => receipts.issue(tx, { subjectId: other.id, regime: 'gdpr', language: 'it', collectionMethod: 'web_chat', changed: events, current: [], disclosure: 'full_state', idempotencyKey: key })),
      'PSB_LEDGER_INVALID_INPUT',
      /another subject/,
    );
    assert.ok(await receipts.findByToken(first.issued.token));
  });

  it('a rolled-back change leaves no receipt behind', async () => {
    const subject = await customerWithOffers(ctx.ledger);
    const before = await countRows(ctx.ledger, RECEIPT_TABLES);
    let issued: IssuedReceipt | undefined;
    await assert.rejects(
      changeWithReceipt(subject, [WITHDRAW_SMS], `turn-${randomUUID()}`, () => {
        throw new Rollback('the reply could not be sent');
      }),
      Rollback,
    );
    // Issue once more in a rolled-back transaction, keeping the link this time.
    await assert.rejects(
      ctx.ledger.db.transaction(async (tx) => {
        const events = await ctx.ledger.consent.history(subject.id, undefined, tx);
        issued = await receipts.issue(tx, { subjectId: subject.id, regime: 'gdpr', language: 'it', collectionMethod: 'web_chat', changed: events.slice(-1), current: await ctx.ledger.consent.current(subject.id, tx), disclosure: 'full_state' });
        throw new Rollback('rolled back');
      }),
      Rollback,
    );
    assert.ok(issued);
    assert.equal(await receipts.findByToken(issued.token), undefined, 'the link of a rolled-back receipt opens nothing');
    assert.deepEqual(await countRows(ctx.ledger, RECEIPT_TABLES), before);
  });

  it('a wrong, malformed or foreign token finds nothing', async () => {
    const subject = await customerWithOffers(ctx.ledger);
    const { issued } = await changeWithReceipt(subject, [WITHDRAW_SMS]);
    const foreign = new ReceiptSigner(generateKeyPairSync('ed25519').privateKey).linkToken(issued.receiptId);
    for (const token of [randomBytes(32).toString('base64url'), foreign, issued.token.slice(0, -1), `${issued.token}A`, '', "' OR 1=1 --", issued.receiptId]) {
      assert.equal(await receipts.findByToken(token), undefined, `token ${JSON.stringify(token)}`);
    }
  });

  it('refuses an unknown subject, and keeps receipts append-only', async () => {
    await assertLedgerError(
      ctx.ledger.db.transaction(async (tx) => receipts.issue(tx, { subjectId: randomUUID(), regime: 'gdpr', language: 'en', collectionMethod: 'web_chat', changed: [], current: [], disclosure: 'full_state' })),
      'PSB_LEDGER_UNKNOWN_SUBJECT',
    );
    const subject = await customerWithOffers(ctx.ledger);
    const { issued } = await changeWithReceipt(subject, [WITHDRAW_SMS]);
    await assert.rejects(ctx.ledger.db.query("UPDATE consent_receipt SET jws = 'x' WHERE id = $1", [issued.receiptId]), /append-only/);
    await assert.rejects(ctx.ledger.db.query('DELETE FROM consent_receipt WHERE id = $1', [issued.receiptId]), /append-only/);
  });

  describe('over HTTP', () => {
    let http: { baseUrl: string; close(): Promise<void> };
    before(async () => {
      http = await startReceiptServer(receipts, signer, ctx.ledger.catalog);
    });
    after(async () => http?.close());

    it('GET /receipts/:token answers the receipt, its JWS and how to verify it, privately', async () => {
      const subject = await customerWithOffers(ctx.ledger);
      const { issued } = await changeWithReceipt(subject, [WITHDRAW_SMS]);
      const response = await fetch(`${http.baseUrl}/receipts/${issued.token}`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
      assert.match(response.headers.get('x-robots-tag') ?? '', /noindex/);
      const text = await response.text();
      const body = JSON.parse(text) as { receipt: { consentReceiptID: string }; jws: string; verify: { alg: string; kid: string; jwksUrl: string } };
      assert.equal(body.receipt.consentReceiptID, issued.receiptId);
      assert.deepEqual(body.verify, { alg: 'EdDSA', kid: signer.kid, jwksUrl: `${PUBLIC_BASE_URL}/receipts/keys` });
      const verified = verifyReceipt(text, signer.publicKey);
      assert.ok(verified.valid, verified.valid ? '' : verified.reason);
    });

    it('an unknown or malformed token is a 404 with a stable JSON code', async () => {
      for (const token of [randomBytes(32).toString('base64url'), 'not-a-token', '%27%20OR%201%3D1']) {
        const response = await fetch(`${http.baseUrl}/receipts/${token}`);
        assert.equal(response.status, 404, token);
        assert.equal(response.headers.get('cache-control'), 'no-store');
        const body = (await response.json()) as { error: { code: string } };
        assert.equal(body.error.code, 'PSB_RECEIPT_NOT_FOUND');
      }
    });

    it('GET /receipts/keys is the JWK Set of the signing key', async () => {
      const response = await fetch(`${http.baseUrl}/receipts/keys`);
      assert.equal(response.status, 200);
      const jwks = (await response.json()) as { keys: { kid: string; kty: string; crv: string; x: string; alg: string }[] };
      assert.deepEqual(jwks.keys.map((k) => [k.kid, k.kty, k.crv, k.x, k.alg]), [[signer.kid, 'OKP', 'Ed25519', signer.publicJwk.x, 'EdDSA']]);
    });
  });
});
