import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLedger } from '../../src/ledger/ledger';
import { DEVELOPMENT_HASH_KEY } from '../../src/ledger/ledger-config';
import { addTestAgents, PASSWORDS } from '../agent/agent-harness';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { messageActivity, RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';

const SECRET = 'a-direct-line-secret-of-at-least-32-characters';

/** One request to the real app, and what the answer must be. */
interface Probe {
  readonly name: string;
  readonly method?: string;
  readonly path: string | ((context: ProbeContext) => string);
  readonly body?: unknown;
  readonly headers?: Record<string, string> | ((context: ProbeContext) => Record<string, string>);
  readonly status: number;
}

interface ProbeContext {
  conversationId: string;
  token: string;
}

describe('X-Content-Type-Options: nosniff on every JSON answer (real app)', function () {
  this.timeout(60_000);
  let running: RunningApp;
  let dir: string;
  const context: ProbeContext = { conversationId: '', token: '' };

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    dir = mkdtempSync(path.join(tmpdir(), 'nosniff-'));
    const ledger = await openLedger({ ledgerDir: path.join(dir, 'ledger'), hashKey: DEVELOPMENT_HASH_KEY });
    await addTestAgents(ledger);
    await ledger.close();
    running = await startTestApp({ LEDGER_DIR: path.join(dir, 'ledger'), DIRECT_LINE_SECRET: SECRET });
  });
  after(async () => {
    await running?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const secret = { authorization: `Bearer ${SECRET}` };
  const probes: Probe[] = [
    { name: '/api/messages, replies', method: 'POST', path: '/api/messages', body: messageActivity(uniqueConversationId('nosniff'), 'hello'), status: 200 },
    { name: '/api/messages, a refusal', method: 'POST', path: '/api/messages', body: { type: 'message' }, status: 400 },
    { name: 'Direct Line, conversation start', method: 'POST', path: '/v3/directline/conversations', headers: secret, status: 201 },
    { name: 'Direct Line, activities', path: (c) => `/v3/directline/conversations/${encodeURIComponent(c.conversationId)}/activities`, headers: (c) => ({ authorization: `Bearer ${c.token}` }), status: 200 },
    { name: 'Direct Line, a refusal', method: 'POST', path: '/v3/directline/tokens/refresh', status: 401 },
    { name: 'agent API, sign-in', method: 'POST', path: '/agent/api/login', body: { username: 'alice', password: PASSWORDS.alice }, status: 200 },
    { name: 'agent API, a refusal', path: '/agent/api/queue', status: 401 },
    { name: 'receipts, signing keys', path: '/receipts/keys', status: 200 },
    { name: 'receipts, unknown link as JSON', path: '/receipts/not-a-receipt?format=json', status: 404 },
    { name: '/webchat/token', method: 'POST', path: '/webchat/token', status: 200 },
    { name: '/dev/outbox as JSON', path: '/dev/outbox', headers: { accept: 'application/json' }, status: 200 },
    { name: '/healthz', path: '/healthz', status: 200 },
    { name: '/readyz', path: '/readyz', status: 200 },
    { name: 'no such route (404)', path: '/no/such/route', status: 404 },
    { name: 'wrong method (405)', method: 'DELETE', path: '/api/messages', status: 405 },
  ];

  for (const probe of probes) {
    it(probe.name, async () => {
      if (!context.token && typeof probe.path === 'function') {
        const started = await fetch(`${running.baseUrl}/v3/directline/conversations`, { method: 'POST', headers: secret });
        const body = (await started.json()) as { conversationId: string; token: string };
        Object.assign(context, body);
      }
      const headers = typeof probe.headers === 'function' ? probe.headers(context) : (probe.headers ?? {});
      const response = await fetch(running.baseUrl + (typeof probe.path === 'function' ? probe.path(context) : probe.path), {
        method: probe.method ?? 'GET',
        headers: { ...(probe.body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(probe.body !== undefined ? { body: JSON.stringify(probe.body) } : {}),
      });
      const text = await response.text();
      assert.equal(response.status, probe.status, text);
      assert.match(response.headers.get('content-type') ?? '', /^application\/(json|jwk-set\+json)/, 'a JSON answer');
      assert.doesNotThrow(() => JSON.parse(text));
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    });
  }
});
