import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AppOverrides } from '../../src/app';
import { Translations, Translator } from '../../src/i18n/translator';
import { openLedger } from '../../src/ledger/ledger';
import { DEVELOPMENT_HASH_KEY } from '../../src/ledger/ledger-config';
import { addTestAgents, AgentClient } from '../agent/agent-harness';
import { ActivitySetJson, dlFetch, readActivities, startConversation, TEST_SECRET } from '../channels/directline/support/direct-line-http';
import { ConnectorStub } from '../channels/teams/connector-stub';
import { requireLedgerPostgres, TEST_DATABASE_URL } from '../ledger/support/ledger-backends';
import { requireRedis, uniqueRedisPrefix } from '../support/services';
import { removeSharedTestStores } from '../support/shared-stores';
import { RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';
import { conversationIdOf, eventually, GatedProbeDialog, HttpCustomer, probeMenu, probeSays } from './handoff-support';

const REDIS_URL = 'redis://127.0.0.1:6379';
const KNOWN_EMAIL = 'giulia.rossi@example.com';

interface TicketDetailJson {
  transcript: { from: string; text: string }[];
}

/**
 * Two bot instances behind one Redis (sessions, hub, Direct Line buffers) and one PostgreSQL
 * ledger: the customer talks to instance A, the agent works through instance B's agent API.
 */
describe('handoff across two bot instances sharing Redis and the ledger', function () {
  this.timeout(90_000);
  const prefix = uniqueRedisPrefix('psb-handoff-two');
  const schema = `handoff_two_${process.pid}_${randomBytes(4).toString('hex')}`;
  let a: RunningApp;
  let b: RunningApp;
  let connector: ConnectorStub;
  let en: Translator;
  let it_: Translator;
  let agent: AgentClient;

  before(async () => {
    await requireRedis(REDIS_URL);
    await requireLedgerPostgres();
    const translations = await Translations.load();
    en = translations.for('en');
    it_ = translations.for('it');
    const ledger = await openLedger({ databaseUrl: TEST_DATABASE_URL, schema, hashKey: DEVELOPMENT_HASH_KEY });
    await ledger.subjects.register({ identifiers: [{ kind: 'email', value: KNOWN_EMAIL }], regime: 'gdpr' }, { actor: 'system:test', reason: 'test subject' });
    await addTestAgents(ledger);
    await ledger.close();
    connector = await ConnectorStub.start();
    const env = { REDIS_URL, REDIS_PREFIX: prefix, DATABASE_URL: TEST_DATABASE_URL, LEDGER_SCHEMA: schema, DIRECT_LINE_SECRET: TEST_SECRET };
    const overrides: AppOverrides = { dialogs: (gate) => [new GatedProbeDialog(gate)], menu: probeMenu() };
    a = await startTestApp(env, overrides);
    b = await startTestApp(env, overrides);
    agent = new AgentClient(b.baseUrl);
    assert.equal((await agent.login('alice')).status, 200);
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await connector?.close();
    await removeSharedTestStores({ redisUrl: REDIS_URL, redisPrefix: prefix, databaseUrl: TEST_DATABASE_URL, schema });
  });

  /** The id of the open ticket of a conversation, as the agent's queue on B lists it. */
  async function ticketOf(conversationId: string): Promise<string> {
    let id: string | undefined;
    await eventually(async () => {
      id = (await b.app.handoff.hub.queue()).find((ticket) => conversationIdOf(ticket) === conversationId)?.id;
      return id !== undefined;
    }, `a queued ticket for ${conversationId}`);
    const queue = await agent.get<{ queue: { id: string }[] }>('/agent/api/queue');
    assert.ok(queue.body.queue.some((ticket) => ticket.id === id), 'the agent sees it in the queue');
    return id ?? '';
  }

  it('HTTP customer on A, agent on B: joined, "Hello", the answer reaches the agent, verified, and the waiting dialog resumes', async () => {
    const customer = new HttpCustomer(a.baseUrl, connector, uniqueConversationId('two-http'), 'en-US');
    await customer.say(en.t('menu.consentCheck'));
    const identified = await customer.say(KNOWN_EMAIL);
    assert.deepEqual(identified.texts, [en.t('identity.noted', { identifier: 'g***@example.com' }), en.t('identityCode.sent.email', { masked: 'g***@example.com', count: 10 })]);
    // A person rather than the code: "talk to a person" at the code prompt.
    const queued = await customer.say(en.t('menu.agent'));
    assert.deepEqual(queued.texts, [en.t('handoff.queuedForVerification', { position: 1 })]);
    const ticketId = await ticketOf(customer.conversationId);

    assert.equal((await agent.post(`/agent/api/handoffs/${ticketId}/claim`)).status, 200);
    assert.equal((await agent.post(`/agent/api/handoffs/${ticketId}/messages`, { text: 'Hello' })).status, 201);
    assert.deepEqual(
      customer.proactive().map((activity) => activity.text),
      [en.t('handoff.agentJoined'), en.t('handoff.agentMessage', { text: 'Hello' })],
    );

    assert.deepEqual((await customer.say('Hi, it is Giulia')).texts, [], 'relayed, not answered by the bot');
    await eventually(async () => {
      const detail = await agent.get<TicketDetailJson>(`/agent/api/handoffs/${ticketId}`);
      return detail.body.transcript.some((line) => line.from === 'customer' && line.text === 'Hi, it is Giulia');
    }, 'the customer answer in the agent view');

    const verified = await agent.post(`/agent/api/handoffs/${ticketId}/verification`, { outcome: 'verified', method: 'agent_check' });
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
    assert.deepEqual(
      customer.proactive().map((activity) => activity.text),
      [en.t('handoff.closed.verifiedContinue'), probeSays({ granted: true, level: 'verified' })],
    );
    // Back on instance A, the session (in Redis) is verified.
    assert.deepEqual((await customer.say(en.t('menu.consentCheck'))).texts, [probeSays({ granted: true, level: 'verified' })]);
  });

  it('Web Chat customer (our Direct Line) on A, agent on B: the agent message lands in the shared buffers, the customer reads it on A', async () => {
    const conversation = await startConversation(a.baseUrl);
    let watermark = '';
    const texts: string[] = [];
    const read = async (): Promise<string[]> => {
      const answer = await readActivities(a.baseUrl, conversation, watermark);
      const set: ActivitySetJson = answer.body;
      watermark = set.watermark;
      const fresh = set.activities.filter((activity) => activity.type === 'message' && activity.from.role !== 'user').map((activity) => activity.text ?? '');
      texts.push(...fresh);
      return fresh;
    };
    const say = async (text: string): Promise<void> => {
      const posted = await dlFetch(a.baseUrl, 'POST', `/v3/directline/conversations/${conversation.conversationId}/activities`, {
        bearer: conversation.token,
        body: { type: 'message', from: { id: 'dl-user' }, text, locale: 'it-IT' },
      });
      assert.equal(posted.status, 200, JSON.stringify(posted.body));
    };
    const waitFor = (text: string) =>
      eventually(async () => {
        await read();
        return texts.includes(text);
      }, `"${text}" in the Direct Line conversation`);

    await say(it_.t('menu.agent'));
    await waitFor(it_.t('handoff.queued', { position: 1 }));
    const ticketId = await ticketOf(conversation.conversationId);
    assert.equal((await agent.post(`/agent/api/handoffs/${ticketId}/claim`)).status, 200);
    await waitFor(it_.t('handoff.agentJoined'));
    assert.equal((await agent.post(`/agent/api/handoffs/${ticketId}/messages`, { text: 'Buongiorno' })).status, 201);
    await waitFor(it_.t('handoff.agentMessage', { text: 'Buongiorno' }));

    await say('Buongiorno a lei');
    await eventually(async () => ((await agent.get<TicketDetailJson>(`/agent/api/handoffs/${ticketId}`)).body.transcript.some((line) => line.text === 'Buongiorno a lei')), 'the answer in the agent view');

    assert.equal((await agent.post(`/agent/api/handoffs/${ticketId}/complete`)).status, 200);
    await eventually(async () => {
      await read();
      return texts.some((text) => text.startsWith(it_.t('handoff.closed.ended')));
    }, 'the bot taking the conversation back');
  });
});
