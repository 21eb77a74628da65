import assert from 'node:assert/strict';
import { createPublicKey, randomBytes } from 'node:crypto';
import { Translator } from '../../src/i18n/translator';
import type { ConsentEvent } from '../../src/ledger/consent/consent-types';
import { DEMO_CUSTOMERS, seedDemo } from '../../src/ledger/demo/seed-demo';
import { Ledger, openLedger } from '../../src/ledger/ledger';
import type { Channel } from '../../src/ledger/purposes/purpose-catalog';
import { verifyReceipt } from '../../src/privacy/receipts/receipt-verifier';
import type { ConsentReceipt } from '../../src/privacy/receipts/receipt-types';
import { requireLedgerPostgres, TEST_DATABASE_URL } from '../ledger/support/ledger-backends';
import { freePort } from '../support/free-port';
import { connectTestPostgres } from '../support/services';
import { RunningApp, startTestApp } from '../support/test-app';

/** The app and the test read the same schema with the same key, so a test finds what the bot recorded. */
const HASH_KEY = 'consent-e2e-hash-key-0123456789abcdef';

/** A customer on file whose offers reach them by email and by SMS (both given), as the tests need. */
export interface SmsCustomer {
  readonly subjectId: string;
  readonly email: string;
  /** How the bot repeats the email back (first letter, then ***). */
  readonly masked: string;
}

/**
 * The whole bot on a fixed port with PUBLIC_BASE_URL pointing at itself (so receipt links open),
 * its ledger in a PostgreSQL schema of its own, plus a second ledger handle on that schema for
 * the test: set-up before the bot starts, and reading what the bot recorded while it runs.
 */
export interface ConsentStack {
  readonly running: RunningApp;
  readonly baseUrl: string;
  /** The test's own handle on the bot's ledger (same database, same schema). */
  readonly ledger: Ledger;
  readonly schema: string;
  /** The demo customers (seed-demo), by their key: giulia, oliver, maya. Each has SMS offers given again. */
  readonly demo: Readonly<Record<string, SmsCustomer>>;
  /** Runs SQL on the bot's schema from a connection of its own (a DBA at the console). */
  sideQuery(sql: string): Promise<void>;
  close(): Promise<void>;
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

async function onSchema(schema: string, sql: string): Promise<void> {
  // Refused (start it), timed out (there but busy) or another reason: connectTestPostgres says which.
  const client = await connectTestPostgres(TEST_DATABASE_URL, { options: `-c search_path=${quoteIdent(schema)}` });
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Offers given on these channels a day ago, on the website. The demo customers withdrew SMS offers
 * in their seeded history (Oliver never had them): given again so "stop texting me offers" has
 * something to stop.
 */
async function giveOffers(ledger: Ledger, subjectId: string, channels: readonly Channel[], language: string, key: string): Promise<void> {
  await ledger.consent.record(
    subjectId,
    channels.map((channel) => ({ purposeId: 'marketing_offers', channel, state: 'given' as const })),
    { collectionMethod: 'api', language, occurredAt: new Date(Date.now() - 24 * 3600_000), evidence: { form: 'preferences', test: true } },
    { actor: 'system:test', reason: 'test customer: offers by email and SMS given', idempotencyKey: `consent-e2e:${key}` },
  );
}

const maskEmail = (email: string): string => `${email.charAt(0)}***${email.slice(email.indexOf('@'))}`;

/** Registers one more customer with offers by email and SMS given. */
export async function addSmsCustomer(stack: Pick<ConsentStack, 'ledger'>, label: string, language = 'en'): Promise<SmsCustomer> {
  const email = `${label}.${process.pid}.${randomBytes(3).toString('hex')}@example.com`;
  const subject = await stack.ledger.subjects.register({ identifiers: [{ kind: 'email', value: email }], regime: 'gdpr', preferredLocale: language }, { actor: 'system:test', reason: 'test customer' });
  await giveOffers(stack.ledger, subject.id, ['email', 'sms'], language, email);
  return { subjectId: subject.id, email, masked: maskEmail(email) };
}

/** Starts the stack; fails (never skips) when PostgreSQL is down, naming the command that starts it. */
export async function startConsentStack(env: Record<string, string> = {}): Promise<ConsentStack> {
  await requireLedgerPostgres();
  const schema = `e2e_consent_${process.pid}_${randomBytes(4).toString('hex')}`;
  const ledger = await openLedger({ databaseUrl: TEST_DATABASE_URL, schema, hashKey: HASH_KEY });
  let running: RunningApp | undefined;
  const close = async (): Promise<void> => {
    await running?.close();
    await ledger.close().catch(() => undefined);
    await onSchema('public', `DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  };
  try {
    const seeded = await seedDemo(ledger);
    const demo: Record<string, SmsCustomer> = {};
    for (const { key, subjectId } of seeded.customers) {
      const customer = DEMO_CUSTOMERS.find((candidate) => candidate.key === key);
      assert.ok(customer);
      await giveOffers(ledger, subjectId, ['sms'], customer.language, `demo:${key}`);
      demo[key] = { subjectId, email: customer.email, masked: maskEmail(customer.email) };
    }
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    running = await startTestApp({ PORT: String(port), PUBLIC_BASE_URL: baseUrl, DATABASE_URL: TEST_DATABASE_URL, LEDGER_SCHEMA: schema, LEDGER_HASH_KEY: HASH_KEY, ...env });
    return { running, baseUrl, ledger, schema, demo, sideQuery: (sql) => onSchema(schema, sql), close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

/** Counts rows of a ledger table, for "nothing was written" checks. */
export async function countRows(ledger: Ledger, table: 'consent_event' | 'consent_receipt', subjectId?: string): Promise<number> {
  const result = subjectId
    ? await ledger.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table} WHERE subject_id = $1`, [subjectId])
    : await ledger.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(result.rows[0].n);
}

/** The customer's consent events, oldest first. */
export function eventsOf(stack: Pick<ConsentStack, 'ledger'>, subjectId: string): Promise<ConsentEvent[]> {
  return stack.ledger.consent.history(subjectId);
}

const ANY = (index: number): string => `\u0000ANY${index}\u0000`;

/**
 * A message as a pattern: the translation of `key` with `vars`, where each var given as
 * `undefined` matches any text (captured, in order). Quotes may be typographic (Web Chat's Markdown).
 */
export function sentencePattern(translator: Translator, key: string, vars: Record<string, string | undefined>, anchored = true): RegExp {
  const names = Object.keys(vars);
  const filled = Object.fromEntries(names.map((name, index) => [name, vars[name] ?? ANY(index)]));
  let source = translator
    .t(key, filled)
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/['’]/g, "['’]")
    .replace(/["“”]/g, '["“”]');
  names.forEach((_, index) => {
    source = source.replace(ANY(index), '(.+?)');
  });
  return new RegExp(anchored ? `^${source}$` : source);
}

/** What a receipt link serves, checked: 200, private, JSON, and signed by the key the bot publishes. */
export async function openReceipt(url: string): Promise<ConsentReceipt> {
  const response = await fetch(url);
  const raw = await response.text();
  assert.equal(response.status, 200, `GET ${url}: ${raw}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(response.headers.get('cache-control'), 'no-store', 'a receipt link is private: never cached');
  const file = JSON.parse(raw) as { receipt: ConsentReceipt; jws: string; verify: { alg: string; kid: string; jwksUrl: string } };
  const keys = (await (await fetch(file.verify.jwksUrl)).json()) as { keys: (Record<string, string> & { kid?: string })[] };
  const jwk = keys.keys.find((key) => key.kid === undefined || key.kid === file.verify.kid);
  assert.ok(jwk, `the JWK Set at ${file.verify.jwksUrl} holds the key ${file.verify.kid}`);
  const verification = verifyReceipt(raw, createPublicKey({ key: jwk, format: 'jwk' }));
  assert.ok(verification.valid, `the receipt verifies with the published key: ${verification.valid ? '' : verification.reason}`);
  return file.receipt;
}

/**
 * The receipt states this one change: marketing_offers by SMS withdrawn, for this person — and, as
 * the customer was only identified (an address typed in the chat), nothing else of their state:
 * not their email offers, not any other purpose.
 */
export function assertSmsOffersWithdrawnReceipt(receipt: ConsentReceipt, customer: SmsCustomer, reference: string, event: ConsentEvent): void {
  assert.equal(receipt.consentReceiptID, reference, 'the reference in the chat is the receipt’s id');
  assert.equal(receipt.piiPrincipalId, customer.subjectId, 'the person is named by the ledger’s pseudonymous id');
  assert.equal(receipt.collectionMethod, 'web_chat');
  assert.deepEqual(
    receipt.changes.map((change) => [change.purposeId, change.channel, change.state, change.eventId]),
    [['marketing_offers', 'sms', 'withdrawn', event.id]],
  );
  assert.equal(receipt.disclosure, 'change_only', 'an identified customer gets a receipt of the change only');
  assert.deepEqual(
    receipt.services.flatMap((service) => service.purposes.map((purpose) => [purpose.purposeId, purpose.channels.map((channel) => [channel.channel, channel.state, channel.changed])])),
    [['marketing_offers', [['sms', 'withdrawn', true]]]],
  );
  assert.ok(!JSON.stringify(receipt).includes(customer.email), 'the customer’s email address is not on the receipt');
}

/** Exactly one new event since `before`: SMS offers withdrawn by the customer in this conversation. */
export function assertOneChatWithdrawal(events: readonly ConsentEvent[], before: number, expected: { subjectId: string; conversationId: string; language: string; activityId?: string }): ConsentEvent {
  const fresh = events.slice(before);
  assert.equal(fresh.length, 1, `one new consent event: ${JSON.stringify(fresh.map((e) => [e.purposeId, e.channel, e.state]))}`);
  const [event] = fresh;
  assert.deepEqual([event.purposeId, event.channel, event.state], ['marketing_offers', 'sms', 'withdrawn']);
  assert.equal(event.collectionMethod, 'web_chat');
  assert.equal(event.language, expected.language);
  assert.equal(event.conversationId, expected.conversationId);
  assert.equal(event.actor, `customer:${expected.subjectId}`);
  assert.equal(typeof event.evidence.activityId, 'string', 'the confirming activity is kept as evidence');
  if (expected.activityId !== undefined) assert.equal(event.evidence.activityId, expected.activityId);
  return event;
}
