import assert from 'node:assert/strict';
import { ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translator } from '../../src/i18n/translator';
import type { OutboxEntry } from '../../src/integrations/messaging/message-outbox';
import { SmsCustomer } from '../consent-bot/consent-stack';
import { BROWSER_WAIT_MS, textPattern } from './chromium';
import { useConsentBrowser } from './consent-browser';
import { assertNothingFailed, openWebChat, see, send, transcript } from './web-chat-page';

interface Case {
  readonly locale: ShippedLocale;
  readonly browserLocale: string;
  readonly who: 'maya' | 'giulia';
  readonly ask: string;
}

const CASES: readonly Case[] = [
  { locale: 'en', browserLocale: 'en-US', who: 'maya', ask: 'What did I agree to?' },
  { locale: 'it', browserLocale: 'it-IT', who: 'giulia', ask: 'A cosa ho acconsentito?' },
];

/** The development outbox as the bot shows it (`GET /dev/outbox`, JSON). */
async function outbox(baseUrl: string): Promise<OutboxEntry[]> {
  const response = await fetch(`${baseUrl}/dev/outbox`, { headers: { accept: 'application/json' } });
  assert.equal(response.status, 200, 'GET /dev/outbox');
  return (await response.json()) as OutboxEntry[];
}

/**
 * A demo customer in Web Chat (the page at GET /, our Direct Line, headless Chromium) checks their
 * consents with nobody's help: asks, gives their address, reads the code in the email the bot sent
 * (the development outbox, GET /dev/outbox), types it, and sees the consents card. The ledger holds
 * one verification by code; no person was asked.
 */
describe('consents checked alone with a one-time code in Web Chat (Chromium, end to end)', function () {
  this.timeout(60_000);
  const suite = useConsentBrowser();

  for (const c of CASES) {
    it(`${c.locale}: "${c.ask}" → the email address → the code from the email → the consents card, no agent involved`, async () => {
      const { stack } = suite;
      const t: Translator = suite.translations.for(c.locale);
      const who: SmsCustomer = stack.demo[c.who];
      const verificationsBefore = (await stack.ledger.verifications.forSubject(who.subjectId)).length;
      const mailsBefore = (await outbox(stack.baseUrl)).filter((entry) => entry.to === who.email).length;

      const { page, problems } = await suite.newPage({ locale: c.browserLocale });
      await openWebChat(page, stack.baseUrl, t.t('bot.welcome'));

      await send(page, c.ask);
      await see(page, t.t('identity.prompt'));
      await send(page, who.email);
      await see(page, t.t('identityCode.sent.email', { masked: who.masked, count: 10 }));

      // The customer opens their email: the newest message to their address carries the code.
      const mails = (await outbox(stack.baseUrl)).filter((entry) => entry.to === who.email);
      assert.equal(mails.length, mailsBefore + 1, 'one email, to the address on file');
      const mail = mails[mails.length - 1];
      assert.equal(mail.channel, 'email');
      const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
      assert.ok(code, `the email carries a 6-digit code: ${mail.text}`);

      await send(page, `${code.slice(0, 3)} ${code.slice(3)}`);
      await see(page, t.t('identityCode.verified'));
      const card = transcript(page).locator('.ac-adaptiveCard').filter({ hasText: t.t('consent.overview.title') }).first();
      await card.waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });
      assert.match(await card.innerText(), textPattern(t.t('consent.overview.footer')));

      const recorded = (await stack.ledger.verifications.forSubject(who.subjectId)).slice(verificationsBefore);
      assert.deepEqual(
        recorded.map((v) => [v.method, v.level, v.outcome, v.channel]),
        [['one_time_code', 'verified', 'verified', 'directline']],
        'one verification by code, in this channel',
      );
      assert.deepEqual(await stack.running.app.handoff.hub.queue(), [], 'no person was asked');
      await assertNothingFailed(page, problems);
    });
  }
});
