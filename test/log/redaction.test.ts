import assert from 'node:assert/strict';
import { redactText } from '../../src/log/redact-text';
import { IntentRecognizer } from '../../src/nlu/intents';
import { LogCapture, messageActivity, postActivity, RunningApp, startTestApp, trainedRecognizer, uniqueConversationId } from '../support/test-app';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';

const EMAIL = 'maria.rossi+news@example.co.uk';
const PHONE = '+39 347 123 4567';
const SECRET_PHRASE = 'my neighbour Giovanni reads my letters';

describe('no personal data in logs', () => {
  it('redactText replaces emails and phone numbers', () => {
    assert.equal(redactText(`write to ${EMAIL} or call ${PHONE} / (555) 010-9999`), 'write to [email] or call [phone] / [phone]');
    assert.equal(redactText('order 12 of 2026'), 'order 12 of 2026');
    // Ids are not phone numbers: digits inside a UUID or a hash stay as they are.
    const id = '4e89d910-1234-5678-86a1-2e69e0bf60b8';
    assert.equal(redactText(`ticket ${id} hash 9c1234567abc`), `ticket ${id} hash 9c1234567abc`);
    // An error id whose first group is all digits (a random UUID is, about once in 40 times) stays whole too.
    const digitsFirst = '12345678-728e-4c1d-9a2b-3c4d5e6f7a8b';
    assert.equal(redactText(`{"errorId":"${digitsFirst}"}`), `{"errorId":"${digitsFirst}"}`);
    assert.equal(redactText('at 2026-12-07T00:41:07.123Z'), 'at 2026-12-07T00:41:07.123Z');
  });

  it('the logger censors free-text fields and scrubs every string, messages and errors included', () => {
    const capture = new LogCapture();
    capture.logger.info({ text: SECRET_PHRASE, nested: { note: `mail ${EMAIL}` }, err: new Error(`bad ${PHONE}`) }, `hello ${EMAIL}`);
    capture.logger.flush();
    const line = capture.text;
    assert.ok(line.length > 0, 'something was logged');
    for (const secret of [EMAIL, PHONE, SECRET_PHRASE, '347 123']) assert.ok(!line.includes(secret), `log leaked "${secret}": ${line}`);
    assert.match(line, /\[redacted\]/);
    assert.match(line, /\[email\]/);
  });

  describe('a real turn that fails', () => {
    let running: RunningApp;
    before(async function () {
      this.timeout(HEAVY_HOOK_TIMEOUT_MS);
      const real = await trainedRecognizer();
      // A recognizer that breaks on one phrase, so the turn fails inside the bot's own code path.
      const breaking: IntentRecognizer = {
        recognize: async (text, locale) => {
          if (text.includes('explode')) throw new Error(`classifier failed on "${text}"`);
          return real.recognize(text, locale);
        },
      };
      running = await startTestApp({ LOG_LEVEL: 'debug' }, { recognizer: breaking });
    });
    after(async () => running?.close());

    it('apologises with an error id, logs it without the customer text, and keeps state intact', async () => {
      const id = uniqueConversationId('boom');
      await postActivity(running.baseUrl, messageActivity(id, 'blorp first'));
      const failed = await postActivity(running.baseUrl, messageActivity(id, `please explode, I am ${EMAIL}, ${PHONE}, ${SECRET_PHRASE}`, { locale: 'it-IT' }));
      assert.equal(failed.status, 200);
      assert.equal(failed.texts.length, 1);
      const errorId = /([0-9a-f]{8})/.exec(failed.texts[0])?.[1];
      assert.ok(errorId, `apology quotes an error id: ${failed.texts[0]}`);
      const logs = running.logs.text;
      assert.ok(logs.includes(errorId), 'the error id is in the log');
      for (const secret of [EMAIL, PHONE, SECRET_PHRASE, 'explode']) assert.ok(!logs.includes(secret), `log leaked "${secret}"`);

      // The failed turn committed nothing: the conversation carries on normally.
      const next = await postActivity(running.baseUrl, messageActivity(id, 'blorp again'));
      assert.ok(next.replies.length > 0);
      assert.ok(!next.texts.some((t) => t.includes(errorId)));
    });
  });
});
