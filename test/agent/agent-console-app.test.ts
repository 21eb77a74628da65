import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLedger } from '../../src/ledger/ledger';
import { DEVELOPMENT_HASH_KEY } from '../../src/ledger/ledger-config';
import { assertContentSecurityPolicy } from '../support/content-security-policy';
import { RunningApp, startTestApp } from '../support/test-app';
import { AgentClient, addTestAgents, newHandoff } from './agent-harness';
import { AGENT_CONSOLE_POLICY } from './agent-console-policy';

/** The console as the bot wires it: same server, the bot's hub and ledger. */
describe('agent console in the bot', function () {
  this.timeout(60_000);
  let dir: string;
  let running: RunningApp | undefined;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'agent-app-'));
    const ledger = await openLedger({ ledgerDir: path.join(dir, 'ledger'), hashKey: DEVELOPMENT_HASH_KEY });
    await addTestAgents(ledger);
    await ledger.close();
  });

  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page and the API on the bot server, over the bot\'s own hub and ledger', async () => {
    running = await startTestApp({ LEDGER_DIR: path.join(dir, 'ledger') });
    const page = await fetch(`${running.baseUrl}/agent`);
    assert.equal(page.status, 200);
    assertContentSecurityPolicy(page.headers.get('content-security-policy'), AGENT_CONSOLE_POLICY);

    const alice = new AgentClient(running.baseUrl);
    assert.equal((await alice.login('alice')).status, 200);
    const { ticket } = await running.app.handoff.hub.enqueue(newHandoff());
    const queue = await alice.get<{ queue: { id: string }[] }>('/agent/api/queue');
    assert.ok(queue.body.queue.some((t) => t.id === ticket.id));
    const claimed = await alice.post<{ ticket: { agent: string } }>(`/agent/api/handoffs/${ticket.id}/claim`);
    assert.equal(claimed.status, 200);
    assert.equal(claimed.body.ticket.agent, 'alice');
    assert.ok(running.logs.text.includes('agent console at /agent'), 'the start-up log says where the console is');
  });

  it('is not served with AGENT_CONSOLE_ENABLED=false, nor with HANDOFF_MODE=external', async () => {
    const variants: Record<string, string>[] = [{ AGENT_CONSOLE_ENABLED: 'false' }, { HANDOFF_MODE: 'external' }];
    for (const env of variants) {
      running = await startTestApp({ LEDGER_DIR: path.join(dir, 'ledger'), ...env });
      assert.equal((await fetch(`${running.baseUrl}/agent`)).status, 404, JSON.stringify(env));
      assert.equal((await new AgentClient(running.baseUrl).login('alice')).status, 404);
      await running.close();
      running = undefined;
    }
  });
});
