import assert from 'node:assert/strict';
import { messageActivity, postActivity, RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';

describe('channel authentication', () => {
  let running: RunningApp;
  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    running = await startTestApp({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'not-a-real-secret' });
  });
  after(async () => running?.close());

  it('with an app id set, a request without a token gets 401 and a JSON reason', async () => {
    const result = await postActivity(running.baseUrl, messageActivity(uniqueConversationId('auth'), 'hello'));
    assert.equal(result.status, 401);
    assert.equal((result.body as { error: { code: string } }).error.code, 'PSB_UNAUTHORIZED');
  });

  // Tokens that fail before any key download (this machine has no internet to fetch Microsoft's keys).
  const forgedHeaders = [
    ['an unsigned token from an untrusted issuer', 'Bearer eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2V2aWwuZXhhbXBsZSJ9.'],
    ['a token that is not a JWT', 'Bearer not-a-jwt'],
    ['basic credentials', 'Basic dXNlcjpwYXNz'],
  ];
  for (const [name, header] of forgedHeaders) {
    it(`${name} gets 401 too, and the bot does not run`, async () => {
      const result = await postActivity(running.baseUrl, messageActivity(uniqueConversationId('auth'), 'hello'), { authorization: header });
      assert.equal(result.status, 401);
      assert.deepEqual(result.replies, []);
    });
  }
});
