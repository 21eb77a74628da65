import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, KeyObject, randomUUID, sign } from 'node:crypto';
import { loadConfig } from '../../../src/config/load-config';
import { AppError, isAppError } from '../../../src/errors/app-error';
import type { ConsentEvent } from '../../../src/ledger/consent/consent-types';
import { loadPurposeCatalog } from '../../../src/ledger/purposes/purpose-catalog';
import { buildConsentReceipt } from '../../../src/privacy/receipts/consent-receipt';
import { loadController } from '../../../src/privacy/receipts/controller';
import { loadReceiptConfig } from '../../../src/privacy/receipts/receipt-config';
import { jwkThumbprint, loadReceiptSigningKey, parseSigningKeyPem, publicJwkOf } from '../../../src/privacy/receipts/receipt-key';
import { ReceiptSigner } from '../../../src/privacy/receipts/receipt-signer';
import type { ConsentReceipt } from '../../../src/privacy/receipts/receipt-types';
import { verifyReceipt } from '../../../src/privacy/receipts/receipt-verifier';

const SUBJECT = '0b5c2f3e-6a1d-4e8f-9c7b-1a2b3c4d5e6f';
const AT = new Date('2026-11-29T10:00:00.000Z');

function newPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

function sampleReceipt(): ConsentReceipt {
  const withdrawn: ConsentEvent = {
    id: randomUUID(),
    subjectId: SUBJECT,
    subjectSeq: 4,
    purposeId: 'marketing_offers',
    channel: 'sms',
    state: 'withdrawn',
    occurredAt: AT,
    recordedAt: AT,
    collectionMethod: 'web_chat',
    noticeVersion: '2026-03',
    language: 'en',
    conversationId: null,
    actor: `customer:${SUBJECT}`,
    evidence: {},
    prevHash: null,
    hash: 'h',
  };
  return buildConsentReceipt({
    request: { subjectId: SUBJECT, regime: 'gdpr', language: 'en', collectionMethod: 'web_chat', changed: [withdrawn], current: [{ purposeId: 'marketing_offers', channel: 'sms', state: 'withdrawn', since: AT, eventId: withdrawn.id }], disclosure: 'full_state' },
    catalog: loadPurposeCatalog(),
    controller: loadController(),
    receiptId: randomUUID(),
    issuedAt: AT,
  });
}

/** The file a customer saves from GET /receipts/:token. */
function receiptFile(signer: ReceiptSigner, receipt: ConsentReceipt, jws = signer.sign(receipt)): Record<string, unknown> {
  return { receipt, jws, verify: { alg: 'EdDSA', kid: signer.kid, jwksUrl: 'https://privacy.example.com/receipts/keys' } };
}

const segment = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
const decodeSegment = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

function assertRefused(result: ReturnType<typeof verifyReceipt>, problem: string, pattern: RegExp): void {
  assert.equal(result.valid, false, 'the receipt must not verify');
  if (result.valid) return;
  assert.equal(result.problem, problem, result.reason);
  assert.match(result.reason, pattern);
}

describe('receipt signatures (Ed25519 compact JWS)', () => {
  const signer = new ReceiptSigner(parseSigningKeyPem(newPem()));
  const receipt = sampleReceipt();

  it('round trip: the file served to the customer verifies, and gives back the receipt', () => {
    const result = verifyReceipt(JSON.stringify(receiptFile(signer, receipt), null, 2), signer.publicKey);
    assert.equal(result.valid, true, result.valid ? '' : result.reason);
    assert.ok(result.valid);
    assert.deepEqual(result.receipt, JSON.parse(JSON.stringify(receipt)));
    assert.equal(result.kid, signer.kid);
  });

  it('a bare compact JWS verifies too, with the public key alone', () => {
    const jws = signer.sign(receipt);
    assert.equal(verifyReceipt(`${jws}\n`, createPublicKey(signer.publicKey.export({ format: 'pem', type: 'spki' }))).valid, true);
  });

  it('signs with alg EdDSA, typ JWT and kid = RFC 7638 thumbprint of the public key', () => {
    const [header] = signer.sign(receipt).split('.');
    assert.deepEqual(decodeSegment(header), { alg: 'EdDSA', kid: signer.kid, typ: 'JWT' });
    assert.deepEqual(signer.jwks(), { keys: [{ kty: 'OKP', crv: 'Ed25519', x: signer.publicJwk.x, kid: signer.kid, alg: 'EdDSA', use: 'sig' }] });
  });

  it('the kid follows RFC 7638 (the RFC 8037 Ed25519 example key)', () => {
    assert.equal(jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }), 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('a changed state in the signed payload is rejected', () => {
    const [header, payload, signature] = signer.sign(receipt).split('.');
    const edited = decodeSegment(payload) as unknown as { changes: { state: string }[] };
    edited.changes[0].state = 'given';
    const forged = `${header}.${segment(edited)}.${signature}`;
    assertRefused(verifyReceipt(forged, signer.publicKey), 'bad_signature', /does not match/);
    assertRefused(verifyReceipt(JSON.stringify({ ...receiptFile(signer, receipt), jws: forged, receipt: edited }), signer.publicKey), 'bad_signature', /does not match/);
  });

  it('a changed readable copy is rejected even though the JWS is intact', () => {
    const file = receiptFile(signer, receipt);
    const copy = JSON.parse(JSON.stringify(receipt)) as { services: { purposes: { channels: { state: string }[] }[] }[] };
    const offers = copy.services[0].purposes.find((p) => (p as unknown as { purposeId: string }).purposeId === 'marketing_offers');
    assert.ok(offers);
    offers.channels[1].state = 'given';
    assertRefused(verifyReceipt(JSON.stringify({ ...file, receipt: copy }), signer.publicKey), 'copy_mismatch', /readable copy/);
  });

  it('a receipt signed with another key is rejected, whatever kid it claims', () => {
    const other = new ReceiptSigner(parseSigningKeyPem(newPem()));
    assertRefused(verifyReceipt(JSON.stringify(receiptFile(other, receipt)), signer.publicKey), 'unknown_key', /another key/);
    // Another key's signature under our kid.
    const input = `${segment({ alg: 'EdDSA', kid: signer.kid, typ: 'JWT' })}.${segment(receipt)}`;
    const forged = `${input}.${sign(null, Buffer.from(input), generateKeyPairSync('ed25519').privateKey).toString('base64url')}`;
    assertRefused(verifyReceipt(forged, signer.publicKey), 'bad_signature', /does not match/);
  });

  it('alg "none" and other algorithms are rejected', () => {
    const unsigned = `${segment({ alg: 'none', kid: signer.kid, typ: 'JWT' })}.${segment(receipt)}.`;
    assertRefused(verifyReceipt(unsigned, signer.publicKey), 'unsupported_algorithm', /"none"/);
    assertRefused(verifyReceipt(JSON.stringify({ receipt, jws: unsigned }), signer.publicKey), 'unsupported_algorithm', /EdDSA/);
    const hmac = `${segment({ alg: 'HS256', kid: signer.kid, typ: 'JWT' })}.${segment(receipt)}.${Buffer.alloc(32).toString('base64url')}`;
    assertRefused(verifyReceipt(hmac, signer.publicKey), 'unsupported_algorithm', /HS256/);
  });

  it('something that is not a receipt is refused with a reason', () => {
    assertRefused(verifyReceipt('hello', signer.publicKey), 'malformed', /compact JWS/);
    assertRefused(verifyReceipt('{"receipt": {}}', signer.publicKey), 'malformed', /"jws"/);
    assertRefused(verifyReceipt('{ not json', signer.publicKey), 'malformed', /neither JSON nor/);
    const notAReceipt = `${segment({ alg: 'EdDSA', kid: signer.kid, typ: 'JWT' })}.${segment({ hello: 'world' })}`;
    const signed = `${notAReceipt}.${sign(null, Buffer.from(notAReceipt), (signer as unknown as { signingKey: KeyObject }).signingKey).toString('base64url')}`;
    assertRefused(verifyReceipt(signed, signer.publicKey), 'malformed', /not a KI-CR-v1\.1\.0 consent receipt/);
  });

  it('link tokens are 256-bit base64url, the same for the same receipt, different per receipt and per key', () => {
    const id = randomUUID();
    const token = signer.linkToken(id);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(signer.linkToken(id), token);
    assert.notEqual(signer.linkToken(randomUUID()), token);
    assert.notEqual(new ReceiptSigner(parseSigningKeyPem(newPem())).linkToken(id), token);
  });
});

describe('RECEIPT_SIGNING_KEY and PUBLIC_BASE_URL', () => {
  const pem = newPem();

  it('reads a PEM key, and the same key written on one line with literal \\n escapes', () => {
    const multiLine = loadReceiptConfig({ RECEIPT_SIGNING_KEY: pem });
    const escaped = loadReceiptConfig({ RECEIPT_SIGNING_KEY: pem.trim().replace(/\n/g, '\\n') });
    assert.equal(multiLine.usesEphemeralKey, false);
    assert.deepEqual(multiLine.warnings, []);
    assert.equal(escaped.kid, multiLine.kid);
    assert.equal(multiLine.kid, jwkThumbprint(publicJwkOf(createPublicKey(pem))));
    assert.equal(new ReceiptSigner(escaped).linkToken('x'), new ReceiptSigner(multiLine).linkToken('x'), 'links survive a restart with the same key');
  });

  it('missing in production: a configuration error naming RECEIPT_SIGNING_KEY', () => {
    assert.throws(
      () => loadReceiptConfig({ NODE_ENV: 'production' }),
      (err: unknown) => isAppError(err, 'PSB_CONFIG_INVALID') && err.details.variable === 'RECEIPT_SIGNING_KEY' && /RECEIPT_SIGNING_KEY must be set when NODE_ENV=production/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ NODE_ENV: 'production', ALLOW_UNAUTHENTICATED: 'true', LEDGER_HASH_KEY: 'a-production-secret-of-enough-length', LEDGER_ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=', DIRECT_LINE_SECRET: 'a-direct-line-secret-of-at-least-32-characters' }),
      (err: unknown) => isAppError(err, 'PSB_CONFIG_INVALID') && err.message.includes('RECEIPT_SIGNING_KEY'),
      'the bot refuses to start',
    );
  });

  it('missing elsewhere: a key generated at start, and a warning saying what that costs', () => {
    const config = loadReceiptConfig({});
    assert.equal(config.usesEphemeralKey, true);
    assert.equal(config.warnings.length, 1);
    assert.match(config.warnings[0], /RECEIPT_SIGNING_KEY is not set/);
    assert.match(config.warnings[0], /cannot be verified after a restart/);
    assert.notEqual(loadReceiptConfig({}).kid, config.kid, 'a new key each start');
    assert.equal(loadConfig({}).receipts.usesEphemeralKey, true);
  });

  it('refuses a key that is not Ed25519, or not a key, without echoing it', () => {
    const ecPem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const publicPem = createPublicKey(pem).export({ format: 'pem', type: 'spki' }).toString();
    for (const [name, value, pattern] of [
      ['an EC key', ecPem, /of type ec/],
      ['a public key', publicPem, /not a PEM private key/],
      ['garbage', 'secret-garbage-value', /not a PEM private key/],
    ] as const) {
      assert.throws(
        () => loadReceiptConfig({ RECEIPT_SIGNING_KEY: value }),
        (err: unknown) => err instanceof AppError && err.code === 'PSB_CONFIG_INVALID' && err.details.variable === 'RECEIPT_SIGNING_KEY' && pattern.test(err.message) && !err.message.includes(value.length > 60 ? value.slice(40, 60) : value),
        name,
      );
    }
  });

  it('PUBLIC_BASE_URL: http://localhost:PORT by default; an absolute http(s) URL without query, trailing slash dropped', () => {
    assert.equal(loadReceiptConfig({}).publicBaseUrl, 'http://localhost:3978');
    assert.equal(loadReceiptConfig({ PORT: '8080' }).publicBaseUrl, 'http://localhost:8080');
    assert.equal(loadReceiptConfig({ PUBLIC_BASE_URL: 'https://privacy.example.com/' }).publicBaseUrl, 'https://privacy.example.com');
    assert.equal(loadReceiptConfig({ PUBLIC_BASE_URL: 'https://example.com/bot/' }).publicBaseUrl, 'https://example.com/bot');
    for (const wrong of ['privacy.example.com', 'ftp://example.com', 'https://example.com/?a=1', 'https://example.com/#top', 'https://user:pw@example.com']) {
      assert.throws(
        () => loadReceiptConfig({ PUBLIC_BASE_URL: wrong }),
        (err: unknown) => isAppError(err, 'PSB_CONFIG_INVALID') && err.details.variable === 'PUBLIC_BASE_URL',
        wrong,
      );
    }
  });

  it('a key from the environment signs what the CLI verifies with the same variable', () => {
    const key = loadReceiptSigningKey({ RECEIPT_SIGNING_KEY: pem });
    const signer = new ReceiptSigner(key);
    assert.equal(verifyReceipt(signer.sign(sampleReceipt()), parseSigningKeyPem(pem)).valid, true, 'a private key verifies through its public half');
  });
});
