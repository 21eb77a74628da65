import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { Translations, Translator } from '../../src/i18n/translator';
import { openLedger } from '../../src/ledger/ledger';
import { DEVELOPMENT_HASH_KEY } from '../../src/ledger/ledger-config';
import { addTestAgents, AgentClient, SseReader } from '../agent/agent-harness';
import { ConnectorStub } from '../channels/teams/connector-stub';
import { storedUnder } from '../support/redis-contents';
import { deleteKeysWithPrefix, requireRedis, uniqueRedisPrefix } from '../support/services';
import { RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';
import { conversationIdOf, eventually, GatedProbeDialog, HttpCustomer, probeMenu } from './handoff-support';

const REDIS_URL = 'redis://127.0.0.1:6379';
const KNOWN_EMAIL = 'giulia.rossi@example.com';
const KNOWN_PHONE = '+39 347 123 4567';
const TYPED = `my number is ${KNOWN_PHONE}`;
const KEPT = 'my number is [phone]';
/** The phone number as typed or normalised, and the email: none may be kept or logged. */
const PHONE_TRACES = ['347 123 4567', '3471234567', '123 4567'];
const EMAIL_TRACES = ['giulia.rossi'];

interface MessageEvent {
  readonly ticketId: string;
  readonly line: { readonly from: string; readonly text: string; readonly at: string };
  readonly liveText?: string;
}

interface TicketDetailJson {
  readonly ticket: { readonly status: string };
  readonly transcript: readonly { readonly from: string; readonly text: string }[];
}

function assertNone(text: string, traces: readonly string[], where: string): void {
  for (const trace of traces) assert.ok(!text.includes(trace), `${where} holds "${trace}"`);
}

/**
 * Agent verification on the real path: a customer on /api/messages, the bot on the Redis hub,
 * the agent on the console's API and event stream. What the customer types during the live
 * handoff reaches the agent as typed (so Compare can be used); what is kept — the ticket in
 * Redis, the detail route, session state, logs — holds only the redacted line.
 */
describe('handoff: the agent sees what the customer types live; what is kept stays redacted (Redis hub)', function () {
  this.timeout(60_000);
  const prefix = uniqueRedisPrefix('psb-handoff-live');
  let dir: string;
  let running: RunningApp;
  let connector: ConnectorStub;
  let redis: Redis;
  let en: Translator;

  before(async () => {
    await requireRedis(REDIS_URL);
    en = (await Translations.load()).for('en');
    dir = mkdtempSync(path.join(tmpdir(), 'handoff-live-'));
    const ledger = await openLedger({ ledgerDir: path.join(dir, 'ledger'), hashKey: DEVELOPMENT_HASH_KEY });
    await ledger.subjects.register(
      { identifiers: [{ kind: 'email', value: KNOWN_EMAIL }, { kind: 'phone', value: KNOWN_PHONE }], regime: 'gdpr' },
      { actor: 'system:test', reason: 'test subject' },
    );
    await addTestAgents(ledger);
    await ledger.close();
    connector = await ConnectorStub.start();
    redis = new Redis(REDIS_URL);
    running = await startTestApp({ REDIS_URL, REDIS_PREFIX: prefix, LEDGER_DIR: path.join(dir, 'ledger') }, { dialogs: (gate) => [new GatedProbeDialog(gate)], menu: probeMenu() });
  });

  after(async () => {
    await running?.close();
    await connector?.close();
    if (redis) {
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('relays "my number is +39 347 123 4567" verbatim to the agent, who compares it; the ticket, Redis and the logs keep "[phone]"', async () => {
    const customer = new HttpCustomer(running.baseUrl, connector, uniqueConversationId('live-text'), 'en-US');
    await customer.say(en.t('menu.consentCheck'));
    await customer.say(KNOWN_EMAIL);
    // A person rather than the one-time code: "talk to a person" at the code prompt.
    const queued = await customer.say(en.t('menu.agent'));
    assert.equal(queued.texts.at(-1), en.t('handoff.queuedForVerification', { position: 1 }));
    let ticketId = '';
    await eventually(async () => {
      ticketId = (await running.app.handoff.hub.queue()).find((ticket) => conversationIdOf(ticket) === customer.conversationId)?.id ?? '';
      return ticketId !== '';
    }, 'the queued ticket');

    const alice = new AgentClient(running.baseUrl);
    assert.equal((await alice.login('alice')).status, 200);
    const events = await SseReader.open(alice);
    try {
      await events.next((e) => e.event === 'ready');
      assert.equal((await alice.post(`/agent/api/handoffs/${ticketId}/claim`)).status, 200);
      const atClaim = await alice.get<TicketDetailJson>(`/agent/api/handoffs/${ticketId}`);
      assert.ok(atClaim.body.transcript.some((line) => line.from === 'customer' && line.text === '[email]'), 'the context from before the handoff stays redacted');

      assert.deepEqual((await customer.say(TYPED)).texts, [], 'relayed to the agent, not answered by the bot');
      const live = await events.next((e) => e.event === 'message' && (e.data as MessageEvent).ticketId === ticketId && (e.data as MessageEvent).line.from === 'customer', 10_000);
      const message = live.data as MessageEvent;
      assert.equal(message.liveText, TYPED, 'the agent sees exactly what the customer typed');
      assert.equal(message.line.text, KEPT, 'next to the line as it is kept');

      // The agent compares what they read with the record: the documented check works.
      const check = await alice.post<{ match: boolean }>(`/agent/api/handoffs/${ticketId}/identifier-check`, { kind: 'phone', value: KNOWN_PHONE });
      assert.deepEqual([check.status, check.body], [200, { match: true }]);
      const wrong = await alice.post<{ match: boolean }>(`/agent/api/handoffs/${ticketId}/identifier-check`, { kind: 'phone', value: '+39 347 765 4321' });
      assert.deepEqual([wrong.status, wrong.body], [200, { match: false }]);

      // The detail route serves the kept transcript, during the handoff too.
      const during = await alice.get<TicketDetailJson>(`/agent/api/handoffs/${ticketId}`);
      assert.equal(during.body.transcript.at(-1)?.text, KEPT);

      const verified = await alice.post(`/agent/api/handoffs/${ticketId}/verification`, { outcome: 'verified', method: 'agent_check' });
      assert.equal(verified.status, 200, JSON.stringify(verified.body));
    } finally {
      events.close();
    }

    const closed = await alice.get<TicketDetailJson>(`/agent/api/handoffs/${ticketId}`);
    assert.equal(closed.body.ticket.status, 'completed');
    assert.ok(closed.body.transcript.some((line) => line.from === 'customer' && line.text === KEPT), JSON.stringify(closed.body.transcript));
    assertNone(JSON.stringify(closed.body), [...PHONE_TRACES, ...EMAIL_TRACES], 'the closed ticket served to the agent');

    // Read behind the app's back: the stored ticket (expiring now it is closed), session state, everything under the prefix.
    const stored = await storedUnder(redis, prefix);
    const transcriptKey = stored.find((k) => k.key === `${prefix}handoff:transcript:${ticketId}`);
    assert.ok(transcriptKey, 'the stored transcript is there');
    assert.ok(transcriptKey.values.some((value) => (JSON.parse(value) as { text: string }).text === KEPT), transcriptKey.values.join('\n'));
    assert.ok(transcriptKey.ttl > 0, 'the closed ticket expires');
    assert.ok((stored.find((k) => k.key === `${prefix}handoff:ticket:${ticketId}`)?.ttl ?? 0) > 0, 'its record expires too');
    assertNone(JSON.stringify(stored), PHONE_TRACES, 'Redis');
    assertNone(JSON.stringify(stored.filter((k) => k.key.startsWith(`${prefix}handoff:`))), EMAIL_TRACES, 'the stored ticket');

    assert.ok(running.logs.lines.length > 0, 'the app logged');
    assertNone(running.logs.text, [...PHONE_TRACES, ...EMAIL_TRACES], 'the logs');
  });
});
