import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { Translations, Translator } from '../../src/i18n/translator';
import type { OutboxEntry } from '../../src/integrations/messaging/message-outbox';
import { DEMO_CUSTOMERS, seedDemo } from '../../src/ledger/demo/seed-demo';
import { Ledger, openLedger } from '../../src/ledger/ledger';
import { saleOptOutPairs } from '../../src/privacy/consent/sale-opt-out';
import { DEVELOPMENT_HASH_KEY } from '../../src/ledger/ledger-config';
import { requireLedgerPostgres, TEST_DATABASE_URL } from '../ledger/support/ledger-backends';
import { eventually } from '../support/hang-guard';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { connectTestPostgres, requireRedis, uniqueRedisPrefix } from '../support/services';
import { removeSharedTestStores } from '../support/shared-stores';
import { messageActivity, postActivity, PostResult, RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';

const REDIS_URL = 'redis://127.0.0.1:6379';
const SHARED_CODE_KEY = `confirm-two-code-key-${randomBytes(16).toString('hex')}`;
/** Stands for a variable part of a sentence (the time in "done", the error id): what comes before it is the sentence's fixed start. */
const TIME_MARK = '\u0000time\u0000';
const LOST_RACE = 'turn lost a state race; re-running on fresh state';

const demoCustomer = (key: string) => {
  const customer = DEMO_CUSTOMERS.find((candidate) => candidate.key === key);
  assert.ok(customer, `demo customer ${key}`);
  return customer;
};

const maskEmail = (email: string): string => `${email.charAt(0)}***${email.slice(email.indexOf('@'))}`;

/** How many times an instance logged that a turn lost the state race and ran again. */
const lostRaces = (instance: RunningApp): number => instance.logs.lines.filter((line) => (JSON.parse(line) as { msg?: string }).msg === LOST_RACE).length;

/** The development outbox of one instance (in its memory: each instance has its own). */
async function outbox(instance: RunningApp): Promise<OutboxEntry[]> {
  const response = await fetch(`${instance.baseUrl}/dev/outbox`, { headers: { accept: 'application/json' } });
  assert.equal(response.status, 200, 'GET /dev/outbox');
  return (await response.json()) as OutboxEntry[];
}

/** What the ledger holds for a subject that a confirmed change writes: events, receipts, webhook deliveries. */
interface LedgerTrace {
  readonly events: { id: string; evidence: { activityId?: string } }[];
  readonly receiptIds: string[];
  readonly webhookRows: number;
}

/**
 * A customer who reached the confirmation ("Stop offers by SMS?" / "Opt out of the sale…?") sends
 * two different "yes" messages at once, one to each of two instances behind one Redis and one
 * PostgreSQL ledger. The test holds the subject's row lock in the ledger until both attempts are
 * waiting on it, so both have loaded the same session (the confirmation pending): a real race,
 * every run. One attempt commits the session, the other loses and runs again on the winner's
 * state. The ledger must show one change: one set of events, one receipt, one webhook delivery,
 * one notice to the contact on file; the customer reads "done" once.
 */
describe('two "yes" messages at once to two instances: one change in the ledger', function () {
  this.timeout(60_000);
  const prefix = uniqueRedisPrefix('psb-confirm-two');
  const schema = `confirm_two_${process.pid}_${randomBytes(4).toString('hex')}`;
  let ledger: Ledger;
  let subjectIds: Record<string, string>;
  let a: RunningApp;
  let b: RunningApp;
  let en: Translator;
  let pg: Client;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await requireRedis(REDIS_URL);
    await requireLedgerPostgres();
    en = (await Translations.load()).for('en');
    ledger = await openLedger({ databaseUrl: TEST_DATABASE_URL, schema, hashKey: DEVELOPMENT_HASH_KEY });
    subjectIds = Object.fromEntries((await seedDemo(ledger)).customers.map(({ key, subjectId }) => [key, subjectId]));
    pg = await connectTestPostgres(TEST_DATABASE_URL);
    const env = { REDIS_URL, REDIS_PREFIX: prefix, DATABASE_URL: TEST_DATABASE_URL, LEDGER_SCHEMA: schema, IDENTITY_CODE_KEY: SHARED_CODE_KEY };
    a = await startTestApp(env);
    b = await startTestApp(env);
  });

  after(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await a?.close();
    await b?.close();
    await pg?.end();
    await ledger?.close();
    await removeSharedTestStores({ redisUrl: REDIS_URL, redisPrefix: prefix, databaseUrl: TEST_DATABASE_URL, schema });
  });

  const table = (name: string): string => `"${schema}".${name}`;

  async function traceOf(subjectId: string): Promise<LedgerTrace> {
    const events = await pg.query<{ id: string; evidence: { activityId?: string } }>(`SELECT id, evidence FROM ${table('consent_event')} WHERE subject_id = $1 ORDER BY subject_seq`, [subjectId]);
    const receipts = await pg.query<{ id: string }>(`SELECT id FROM ${table('consent_receipt')} WHERE subject_id = $1 ORDER BY issued_at`, [subjectId]);
    const webhooks = await pg.query<{ count: string }>(`SELECT count(*) AS count FROM ${table('webhook_delivery')} WHERE subject_id = $1`, [subjectId]);
    return { events: events.rows, receiptIds: receipts.rows.map((row) => row.id), webhookRows: Number(webhooks.rows[0].count) };
  }

  async function noticesTo(email: string): Promise<number> {
    const subject = en.t('consent.withdrawalNotice.subject');
    const entries = [...(await outbox(a)), ...(await outbox(b))];
    return entries.filter((entry) => entry.to === email && entry.subject === subject).length;
  }

  /**
   * Posts both messages while the test holds the subject's row in the ledger; lets go once both
   * turns wait on it (each has loaded the session by then), and returns both answers.
   */
  async function yesAtOnce(conversationId: string, subjectId: string, [onA, onB]: [string, string]): Promise<{ replies: [PostResult, PostResult]; activityIds: string[] }> {
    const yesA = messageActivity(conversationId, onA);
    const yesB = messageActivity(conversationId, onB);
    await pg.query('BEGIN');
    let released = false;
    try {
      const holder = (await pg.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      await pg.query(`SELECT 1 FROM ${table('subject')} WHERE id = $1 FOR UPDATE`, [subjectId]);
      const posted = Promise.all([postActivity(a.baseUrl, yesA), postActivity(b.baseUrl, yesB)]);
      // Both turns wait on the subject: the first on this connection, the second on the first (or on this one).
      await eventually(
        async () => {
          const waiting = await pg.query<{ count: string }>(
            `WITH first AS (SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid)))
             SELECT count(*) AS count FROM pg_stat_activity
             WHERE pid <> $1 AND pg_blocking_pids(pid) && (ARRAY[$1::int] || ARRAY(SELECT pid FROM first))`,
            [holder],
          );
          return Number(waiting.rows[0].count) >= 2;
        },
        'both "yes" turns waiting on the subject in the ledger',
        20_000,
      );
      await pg.query('COMMIT');
      released = true;
      const replies = await posted;
      for (const reply of replies) assert.equal(reply.status, 200, JSON.stringify(reply.body));
      return { replies, activityIds: [String(yesA.id), String(yesB.id)] };
    } finally {
      if (!released) await pg.query('ROLLBACK');
    }
  }

  /** Asserts what the customer reads and what the ledger holds after the race; `done` is the "done" sentence's start. */
  async function assertOneChange(args: { replies: [PostResult, PostResult]; activityIds: string[]; before: LedgerTrace; subjectId: string; done: string; email: string; noticesBefore: number; racesBefore: number; eventsPerChange: number }): Promise<void> {
    assert.equal(lostRaces(a) + lostRaces(b), args.racesBefore + 1, 'one attempt lost the state race and ran again');
    const after = await traceOf(args.subjectId);
    const events = after.events.slice(args.before.events.length);
    const receipts = after.receiptIds.slice(args.before.receiptIds.length);
    assert.equal(events.length, args.eventsPerChange, `one set of consent events: ${JSON.stringify(events)}`);
    assert.equal(receipts.length, 1, 'one receipt');
    assert.equal(after.webhookRows - args.before.webhookRows, 1, 'one consent.changed webhook delivery');
    const evidence = new Set(events.map((event) => event.evidence.activityId));
    assert.equal(evidence.size, 1, 'the events keep one confirming activity as evidence');
    assert.ok(args.activityIds.includes([...evidence][0] ?? ''), `the evidence is one of the two "yes" messages: ${[...evidence].join()}`);

    const texts = args.replies.flatMap((reply) => reply.texts);
    const dones = texts.filter((text) => text.startsWith(args.done));
    assert.equal(dones.length, 1, `"done" is said once: ${JSON.stringify(texts)}`);
    assert.ok(dones[0].includes(receipts[0]), `"done" quotes the one receipt (${receipts[0]}): ${dones[0]}`);
    const apology = en.t('bot.apology', { errorId: TIME_MARK }).split(TIME_MARK)[0];
    assert.ok(!texts.some((text) => text.startsWith(apology)), `no apology: ${JSON.stringify(texts)}`);
    // The other "yes" ran again on the winner's state, where the question is closed: it is told its answer was heard.
    const other = args.replies.find((reply) => !reply.texts.some((text) => text.startsWith(args.done)));
    assert.ok(other, 'one message got "done", the other something else');
    assert.equal(other.texts.length, 1, JSON.stringify(other.texts));
    assert.ok(other.texts[0].startsWith(`${en.t('consent.alreadyConfirmed')}\n\n`), `the other "yes" hears it was already confirmed: ${JSON.stringify(other.texts)}`);
    await eventually(async () => (await noticesTo(args.email)) >= args.noticesBefore + 1, 'the withdrawal notice to the contact on file', 10_000);
    assert.equal(await noticesTo(args.email), args.noticesBefore + 1, 'one withdrawal notice to the contact on file');
  }

  it('"Stop texting me offers", the email, then "yes" on A and "yes please" on B at once: one withdrawal, one receipt, one webhook row, one notice, one "done"', async () => {
    const maya = demoCustomer('maya');
    const subjectId = subjectIds.maya;
    const conversationId = uniqueConversationId('confirm-two');
    const say = async (instance: RunningApp, text: string): Promise<PostResult> => postActivity(instance.baseUrl, messageActivity(conversationId, text));
    assert.equal((await say(a, 'Stop texting me offers')).texts.at(-1), en.t('identity.prompt'));
    const scope = en.t('consent.scope.purposeByChannels', { purpose: 'offers and promotions', channels: 'SMS' });
    assert.deepEqual((await say(b, maya.email)).texts, [en.t('identity.noted', { identifier: maskEmail(maya.email) }), en.t('consent.confirm.withdraw', { scope })]);

    const before = await traceOf(subjectId);
    const noticesBefore = await noticesTo(maya.email);
    const racesBefore = lostRaces(a) + lostRaces(b);
    const { replies, activityIds } = await yesAtOnce(conversationId, subjectId, ['yes', 'yes please']);
    const done = en.t('consent.done.withdrawn', { time: TIME_MARK, scope }).split(TIME_MARK)[0];
    await assertOneChange({ replies, activityIds, before, subjectId, done, email: maya.email, noticesBefore, racesBefore, eventsPerChange: 1 });
  });

  it('"Do not sell my personal information", the email, then "yes please" on A and "yes" on B at once: one opt-out, one receipt, one webhook row, one notice, one "done"', async () => {
    const oliver = demoCustomer('oliver');
    const subjectId = subjectIds.oliver;
    const conversationId = uniqueConversationId('optout-two');
    const say = async (instance: RunningApp, text: string): Promise<PostResult> => postActivity(instance.baseUrl, messageActivity(conversationId, text));
    assert.equal((await say(b, 'Do not sell my personal information')).texts.at(-1), en.t('identity.prompt'));
    const channels = 'email, SMS, phone, and post';
    assert.deepEqual((await say(a, oliver.email)).texts, [en.t('identity.noted', { identifier: maskEmail(oliver.email) }), en.t('consent.optOutSale.confirm', { channels })]);

    const before = await traceOf(subjectId);
    const noticesBefore = await noticesTo(oliver.email);
    const racesBefore = lostRaces(a) + lostRaces(b);
    const { replies, activityIds } = await yesAtOnce(conversationId, subjectId, ['yes please', 'yes']);
    const done = en.t('consent.optOutSale.done', { time: TIME_MARK, channels }).split(TIME_MARK)[0];
    // An identified customer's opt-out records the whole scope: every channel of every purpose that sells or shares data.
    await assertOneChange({ replies, activityIds, before, subjectId, done, email: oliver.email, noticesBefore, racesBefore, eventsPerChange: saleOptOutPairs(ledger.catalog).length });
  });
});
