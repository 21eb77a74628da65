import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { openLedger } from '../../src/ledger/ledger';
import { DEVELOPMENT_HASH_KEY } from '../../src/ledger/ledger-config';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../../src/server/json-depth';
import { addTestAgents, PASSWORDS } from '../agent/agent-harness';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { deleteKeysWithPrefix, requireRedis, uniqueRedisPrefix } from '../support/services';
import { messageActivity, RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';

const REDIS_URL = 'redis://127.0.0.1:6379';

/** A JSON object nested `levels` deep in total (`{}` is 1 level), holding `fields` at the top. */
function nestedBody(levels: number, fields: Record<string, unknown> = {}): string {
  const inner = '{"a":'.repeat(levels - 2) + '{}' + '}'.repeat(levels - 2);
  const top = JSON.stringify(fields);
  return `${top.slice(0, -1)}${top === '{}' ? '' : ','}"deep":${inner}}`;
}

function depthOf(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (const value of JSON.stringify(JSON.parse(text))) {
    if (value === '{' || value === '[') deepest = Math.max(deepest, (depth += 1));
    if (value === '}' || value === ']') depth -= 1;
  }
  return deepest;
}

interface Answer {
  status: number;
  body: { error?: { code?: string } } & Record<string, unknown>;
  contentType: string | null;
}

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Answer['body']) : {}, contentType: response.headers.get('content-type') };
}

describe('JSON nesting limit', () => {
  describe('exceedsJsonDepth (the scan before JSON.parse)', () => {
    const cases: { name: string; text: string; deeper: boolean }[] = [
      { name: 'a flat object', text: '{"a":1}', deeper: false },
      { name: `exactly ${MAX_JSON_DEPTH} levels`, text: '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH), deeper: false },
      { name: `${MAX_JSON_DEPTH + 1} levels`, text: '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1), deeper: true },
      { name: '10,000 levels', text: '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000), deeper: true },
      { name: 'brackets inside strings do not count', text: JSON.stringify({ text: '['.repeat(500) + '\\"{{{' }), deeper: false },
      { name: 'an escaped quote does not end the string', text: `{"t":"\\"${'['.repeat(100)}"}`, deeper: false },
    ];
    for (const c of cases) {
      it(c.name, () => assert.equal(exceedsJsonDepth(c.text, MAX_JSON_DEPTH), c.deeper));
    }
    it('the test bodies have the depth they claim', () => {
      assert.equal(depthOf(nestedBody(64, { x: 1 })), 64);
      assert.equal(depthOf(nestedBody(65)), 65);
    });
  });

  describe('on every route that reads a JSON body (real app, real Redis)', function () {
    this.timeout(60_000);
    let running: RunningApp;
    let dir: string;
    const prefix = uniqueRedisPrefix('psb-test-depth');

    before(async function () {
      this.timeout(HEAVY_HOOK_TIMEOUT_MS);
      await requireRedis(REDIS_URL);
      dir = mkdtempSync(path.join(tmpdir(), 'json-depth-'));
      const ledger = await openLedger({ ledgerDir: path.join(dir, 'ledger'), hashKey: DEVELOPMENT_HASH_KEY });
      await addTestAgents(ledger);
      await ledger.close();
      running = await startTestApp({ LEDGER_DIR: path.join(dir, 'ledger'), REDIS_URL, REDIS_PREFIX: prefix, DIRECT_LINE_SECRET: 'a-direct-line-secret-of-at-least-32-characters' });
    });

    after(async () => {
      await running?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      const redis = new Redis(REDIS_URL);
      try {
        await deleteKeysWithPrefix(redis, prefix);
      } finally {
        redis.disconnect();
      }
    });

    function assertTooDeep(answer: Answer, route: string): void {
      assert.equal(answer.status, 400, `${route}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error?.code, 'PSB_HTTP_JSON_TOO_DEEP', route);
      assert.match(answer.contentType ?? '', /^application\/json/, route);
    }

    it('POST /api/messages: 65 levels → 400 JSON, 64 levels → the turn runs and answers', async () => {
      const activity = (conversationId: string) => messageActivity(conversationId, 'hello') as Record<string, unknown>;
      assertTooDeep(await post(`${running.baseUrl}/api/messages`, nestedBody(MAX_JSON_DEPTH + 1, activity(uniqueConversationId('deep')))), '/api/messages');
      const tenThousand = `${JSON.stringify(activity(uniqueConversationId('deeper'))).slice(0, -1)},"channelData":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
      assertTooDeep(await post(`${running.baseUrl}/api/messages`, tenThousand), '/api/messages, 10,000 levels');
      const accepted = await post(`${running.baseUrl}/api/messages`, nestedBody(MAX_JSON_DEPTH, activity(uniqueConversationId('deep-ok'))));
      assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
      assert.ok(Array.isArray(accepted.body.activities) && accepted.body.activities.length > 0, 'the bot replied');
    });

    it('Direct Line: token generation, conversation start and activity posts refuse 65 levels and take 64', async () => {
      const secret = { authorization: 'Bearer a-direct-line-secret-of-at-least-32-characters' };
      const base = `${running.baseUrl}/v3/directline`;
      assertTooDeep(await post(`${base}/tokens/generate`, nestedBody(MAX_JSON_DEPTH + 1), secret), 'tokens/generate');
      const generated = await post(`${base}/tokens/generate`, nestedBody(MAX_JSON_DEPTH, { user: { id: 'dl_depth' } }), secret);
      assert.equal(generated.status, 200, JSON.stringify(generated.body));

      assertTooDeep(await post(`${base}/conversations`, nestedBody(MAX_JSON_DEPTH + 1), secret), 'conversations');
      const started = await post(`${base}/conversations`, nestedBody(MAX_JSON_DEPTH, { user: { id: 'dl_depth_user' } }), secret);
      assert.equal(started.status, 201, JSON.stringify(started.body));
      const token = { authorization: `Bearer ${String(started.body.token)}` };
      const activities = `${base}/conversations/${encodeURIComponent(String(started.body.conversationId))}/activities`;
      const tooDeep = await post(activities, nestedBody(MAX_JSON_DEPTH + 1, { type: 'message', from: { id: 'dl_depth_user' }, text: 'hi' }), token);
      assertTooDeep(tooDeep, 'activities');
      const posted = await post(activities, nestedBody(MAX_JSON_DEPTH, { type: 'message', from: { id: 'dl_depth_user' }, text: 'hi' }), token);
      assert.equal(posted.status, 200, JSON.stringify(posted.body));
      assert.equal(typeof posted.body.id, 'string');
    });

    it('POST /webchat/token refuses 65 levels and mints a token for 64', async () => {
      assertTooDeep(await post(`${running.baseUrl}/webchat/token`, nestedBody(MAX_JSON_DEPTH + 1, { locale: 'it-IT' })), '/webchat/token');
      const minted = await post(`${running.baseUrl}/webchat/token`, nestedBody(MAX_JSON_DEPTH, { locale: 'it-IT' }));
      assert.equal(minted.status, 200, JSON.stringify(minted.body));
      assert.equal(typeof minted.body.token, 'string');
    });

    it('POST /agent/api/login refuses 65 levels (no sign-in attempt counted) and signs in with 64', async () => {
      const credentials = { username: 'alice', password: PASSWORDS.alice };
      for (let attempt = 0; attempt < 8; attempt += 1) {
        assertTooDeep(await post(`${running.baseUrl}/agent/api/login`, nestedBody(MAX_JSON_DEPTH + 1, credentials)), '/agent/api/login');
      }
      const signedIn = await post(`${running.baseUrl}/agent/api/login`, nestedBody(MAX_JSON_DEPTH, credentials));
      assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
      assert.equal(signedIn.body.username, 'alice');
    });

    it('logs a refusal at info, never an error', () => {
      const deepLines = running.logs.lines.filter((line) => line.includes('PSB_HTTP_JSON_TOO_DEEP'));
      assert.ok(deepLines.length > 0);
      for (const line of deepLines) assert.equal((JSON.parse(line) as { level: string }).level, 'info', line);
    });
  });
});
