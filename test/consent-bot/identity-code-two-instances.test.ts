import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/load-config';
import { Translations, Translator } from '../../src/i18n/translator';
import { createIdentityCodes, CROSS_INSTANCE_KEY_WARNING } from '../../src/integrations/messaging/create-identity-codes';
import type { OutboxEntry } from '../../src/integrations/messaging/message-outbox';
import { DEMO_CUSTOMERS, seedDemo } from '../../src/ledger/demo/seed-demo';
import { Ledger, openLedger } from '../../src/ledger/ledger';
import { DEVELOPMENT_HASH_KEY } from '../../src/ledger/ledger-config';
import { requireLedgerPostgres, TEST_DATABASE_URL } from '../ledger/support/ledger-backends';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { requireRedis, uniqueRedisPrefix } from '../support/services';
import { removeSharedTestStores } from '../support/shared-stores';
import { LogCapture, messageActivity, postActivity, PostResult, RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';

const REDIS_URL = 'redis://127.0.0.1:6379';
/** Both instances hash codes with this key: several instances must share IDENTITY_CODE_KEY (README, .env.example). */
const SHARED_CODE_KEY = `two-instances-code-key-${randomBytes(16).toString('hex')}`;
const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** A customer on an HTTP channel (expectReplies) whose every message may reach either instance, as behind a load balancer. */
class Customer {
  readonly conversationId: string;

  constructor(label: string) {
    this.conversationId = uniqueConversationId(label);
  }

  async say(instance: RunningApp, text: string): Promise<PostResult> {
    const result = await postActivity(instance.baseUrl, messageActivity(this.conversationId, text, { locale: 'en-US' }));
    assert.equal(result.status, 200, `the bot answered ${result.status}: ${JSON.stringify(result.body)}`);
    return result;
  }
}

/** The development outbox of one instance (in its memory: each instance has its own). */
async function outbox(instance: RunningApp): Promise<OutboxEntry[]> {
  const response = await fetch(`${instance.baseUrl}/dev/outbox`, { headers: { accept: 'application/json' } });
  assert.equal(response.status, 200, 'GET /dev/outbox');
  return (await response.json()) as OutboxEntry[];
}

const mailsTo = async (instance: RunningApp, email: string): Promise<OutboxEntry[]> => (await outbox(instance)).filter((entry) => entry.to === email);

const demoCustomer = (key: string) => {
  const customer = DEMO_CUSTOMERS.find((candidate) => candidate.key === key);
  assert.ok(customer, `demo customer ${key}`);
  return customer;
};

/** The warnings among an app's log lines, by message. */
function warningsIn(logs: LogCapture): string[] {
  return logs.lines.map((line) => JSON.parse(line) as { level: string; msg: string }).filter((entry) => entry.level === 'warn').map((entry) => entry.msg);
}

const maskEmail = (email: string): string => `${email.charAt(0)}***${email.slice(email.indexOf('@'))}`;

/**
 * One-time codes with two bot instances behind one Redis (sessions, codes, limits) and one
 * PostgreSQL ledger, sharing IDENTITY_CODE_KEY: a code sent by one instance is accepted by the
 * other, and the per-subject limit counts the codes of both. A third instance on the same Redis
 * without the key shows why it must be shared: it warns at start, and its codes verify nowhere else.
 */
describe('one-time codes across two bot instances sharing Redis, the ledger and IDENTITY_CODE_KEY', function () {
  this.timeout(60_000);
  const prefix = uniqueRedisPrefix('psb-code-two');
  const schema = `code_two_${process.pid}_${randomBytes(4).toString('hex')}`;
  let ledger: Ledger;
  let subjectIds: Record<string, string>;
  let a: RunningApp;
  let b: RunningApp;
  let en: Translator;
  let translations: Translations;
  let env: Record<string, string>;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await requireRedis(REDIS_URL);
    await requireLedgerPostgres();
    translations = await Translations.load();
    en = translations.for('en');
    ledger = await openLedger({ databaseUrl: TEST_DATABASE_URL, schema, hashKey: DEVELOPMENT_HASH_KEY });
    subjectIds = Object.fromEntries((await seedDemo(ledger)).customers.map(({ key, subjectId }) => [key, subjectId]));
    env = { REDIS_URL, REDIS_PREFIX: prefix, DATABASE_URL: TEST_DATABASE_URL, LEDGER_SCHEMA: schema, IDENTITY_CODE_KEY: SHARED_CODE_KEY };
    a = await startTestApp(env);
    b = await startTestApp(env);
  });

  after(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await a?.close();
    await b?.close();
    await ledger?.close();
    await removeSharedTestStores({ redisUrl: REDIS_URL, redisPrefix: prefix, databaseUrl: TEST_DATABASE_URL, schema });
  });

  it('"What did I agree to?" on A, the code A emailed typed on B: verified, the consents card, one verification by code in the ledger', async () => {
    const maya = demoCustomer('maya');
    const subjectId = subjectIds.maya;
    const verificationsBefore = (await ledger.verifications.forSubject(subjectId)).length;
    const mailsOnA = (await mailsTo(a, maya.email)).length;
    const mailsOnB = (await mailsTo(b, maya.email)).length;
    const customer = new Customer('code-two');

    assert.equal((await customer.say(a, 'What did I agree to?')).texts.at(-1), en.t('identity.prompt'));
    const sent = await customer.say(a, maya.email);
    assert.deepEqual(sent.texts, [en.t('identity.noted', { identifier: maskEmail(maya.email) }), en.t('identityCode.sent.email', { masked: maskEmail(maya.email), count: 10 })]);

    // A sent the email: it is in A's outbox, and B's has nothing new.
    const mails = await mailsTo(a, maya.email);
    assert.equal(mails.length, mailsOnA + 1, 'one email from A, to the address on file');
    assert.equal((await mailsTo(b, maya.email)).length, mailsOnB, 'B sent nothing');
    const mail = mails[mails.length - 1];
    assert.equal(mail.channel, 'email');
    const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
    assert.ok(code, `the email carries a 6-digit code: ${mail.text}`);

    const verified = await customer.say(b, code);
    assert.equal(verified.texts[0], en.t('identityCode.verified'), JSON.stringify(verified.texts));
    const cards = verified.replies.flatMap((reply) => reply.attachments ?? []).filter((attachment) => attachment.contentType === ADAPTIVE_CARD);
    assert.equal(cards.length, 1, 'B shows the consents card');
    const card = JSON.stringify(cards[0].content);
    assert.ok(card.includes(en.t('consent.overview.title')) && card.includes(en.t('consent.overview.footer')), card);

    const recorded = (await ledger.verifications.forSubject(subjectId)).slice(verificationsBefore);
    assert.deepEqual(
      recorded.map((v) => [v.method, v.level, v.outcome, v.channel]),
      [['one_time_code', 'verified', 'verified', 'test']],
      'exactly one verification, by code, in this channel',
    );
    assert.deepEqual([...(await a.app.handoff.hub.queue()), ...(await b.app.handoff.hub.queue())], [], 'no person was asked');
  });

  it('the limit of 3 codes per person an hour holds across both: asked on A, B, A, the 4th is refused on B and the 5th on A', async () => {
    const oliver = demoCustomer('oliver');
    const masked = maskEmail(oliver.email);
    const before = new Map<RunningApp, number>([
      [a, (await mailsTo(a, oliver.email)).length],
      [b, (await mailsTo(b, oliver.email)).length],
    ]);
    const sentOn = new Map(before);
    const countOf = (instance: RunningApp): number => sentOn.get(instance) ?? 0;

    // Each request in a conversation of its own, so the per-conversation limit (5) plays no part.
    for (const [index, instance] of [a, b, a, b, a].entries()) {
      const name = instance === a ? 'A' : 'B';
      const customer = new Customer(`code-limit-${index + 1}`);
      await customer.say(instance, 'What did I agree to?');
      const answer = await customer.say(instance, oliver.email);
      assert.equal(answer.texts[0], en.t('identity.noted', { identifier: masked }));
      const mails = (await mailsTo(instance, oliver.email)).length;
      if (index < 3) {
        assert.equal(answer.texts[1], en.t('identityCode.sent.email', { masked, count: 10 }), `code ${index + 1} on ${name}: sent`);
        assert.equal(mails, countOf(instance) + 1, `code ${index + 1}: one email from ${name}`);
        sentOn.set(instance, mails);
      } else {
        // "Try again in N minutes": N counts down from 60 as the first code ages, so it is read, then checked.
        const minutes = Number(/\b(\d+)\b/.exec(answer.texts[1] ?? '')?.[1]);
        assert.ok(Number.isInteger(minutes) && minutes >= 1 && minutes <= 60, `code ${index + 1} on ${name}: a wait within the hour: ${JSON.stringify(answer.texts)}`);
        assert.equal(answer.texts[1], en.t('identityCode.limited', { count: minutes }), `code ${index + 1} on ${name}: refused as "limited"`);
        assert.equal(mails, countOf(instance), `code ${index + 1}: no email from ${name}`);
      }
    }
    assert.deepEqual([countOf(a) - (before.get(a) ?? 0), countOf(b) - (before.get(b) ?? 0)], [2, 1], 'three codes in all: two emailed by A, one by B');
  });

  it('an instance on the same Redis without IDENTITY_CODE_KEY warns at start, and rightly: the code it sends does not verify on A', async () => {
    assert.ok(!warningsIn(a.logs).includes(CROSS_INSTANCE_KEY_WARNING) && !warningsIn(b.logs).includes(CROSS_INSTANCE_KEY_WARNING), 'no warning where the key is set');
    const { IDENTITY_CODE_KEY: _shared, ...withoutKey } = env;
    const c = await startTestApp(withoutKey);
    try {
      assert.ok(warningsIn(c.logs).includes(CROSS_INSTANCE_KEY_WARNING), `the warning at start: ${JSON.stringify(warningsIn(c.logs))}`);
      const giulia = demoCustomer('giulia');
      const verificationsBefore = (await ledger.verifications.forSubject(subjectIds.giulia)).length;
      const customer = new Customer('code-no-key');
      await customer.say(c, 'What did I agree to?');
      assert.equal((await customer.say(c, giulia.email)).texts.at(-1), en.t('identityCode.sent.email', { masked: maskEmail(giulia.email), count: 10 }));
      const code = /\b(\d{6})\b/.exec((await mailsTo(c, giulia.email)).at(-1)?.text ?? '')?.[1];
      assert.ok(code, 'C emailed a code');
      assert.deepEqual((await customer.say(a, code)).texts, [en.t('identityCode.none')], 'A cannot find the code C hashed with its own key');
      assert.equal((await ledger.verifications.forSubject(subjectIds.giulia)).length, verificationsBefore, 'nothing verified');
    } finally {
      await c.close();
    }
  });

  it('one instance with no REDIS_URL gets only the general warning about a generated key, not the cross-instance one', async () => {
    const logs = new LogCapture();
    const codes = await createIdentityCodes({ options: loadConfig({ NODE_ENV: 'test', LEDGER_DIR: 'memory://' }), ledger, translations, logger: logs.logger });
    try {
      const warnings = warningsIn(logs);
      assert.ok(!warnings.includes(CROSS_INSTANCE_KEY_WARNING), JSON.stringify(warnings));
      assert.ok(warnings.some((warning) => warning.startsWith('IDENTITY_CODE_KEY is not set')), JSON.stringify(warnings));
    } finally {
      await codes.close();
    }
  });
});
