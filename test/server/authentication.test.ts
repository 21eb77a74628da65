import assert from 'node:assert/strict';
import { messageActivity, postActivity, RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';

describe('channel authentication', () => {
  let running: RunningApp;
  before(async () => {
    running = await startTestApp({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'not-a-real-secret' });
  });
  after(async () => running?.close());

  it('with an app id set, a request without a token gets 401 and a JSON reason', async () => {
    const result = await postActivity(running.baseUrl, messageActivity(uniqueConversationId('auth'), 'hello'));
    assert.equal(result.status, 401);
    assert.equal((result.body as { error: { code: string } }).error.code, 'PSB_UNAUTHORIZED');
  });

  it('a forged bearer token gets 401 too', async () => {
    const forged = 'Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2FwaS5ib3RmcmFtZXdvcmsuY29tIn0.c2lnbmF0dXJl';
    const result = await postActivity(running.baseUrl, messageActivity(uniqueConversationId('auth'), 'hello'), { authorization: forged });
    assert.equal(result.status, 401);
  });
});
