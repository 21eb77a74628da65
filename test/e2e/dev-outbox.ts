import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { Translator } from '../../src/i18n/translator';
import type { OutboxEntry } from '../../src/integrations/messaging/message-outbox';
import { see, send } from './web-chat-page';

/** The development outbox as the bot shows it (`GET /dev/outbox`, JSON), oldest first. */
export async function devOutbox(baseUrl: string): Promise<OutboxEntry[]> {
  const response = await fetch(`${baseUrl}/dev/outbox`, { headers: { accept: 'application/json' } });
  assert.equal(response.status, 200, 'GET /dev/outbox');
  return (await response.json()) as OutboxEntry[];
}

/** The emails in the outbox to `address`, oldest first. */
export async function emailsTo(baseUrl: string, address: string): Promise<OutboxEntry[]> {
  return (await devOutbox(baseUrl)).filter((entry) => entry.channel === 'email' && entry.to === address);
}

/**
 * The 6-digit code of the one new email to `address` since it held `mailsBefore` emails: exactly one
 * came (the code the bot just sent to the address on file), and it carries a code.
 */
export async function newCodeTo(baseUrl: string, address: string, mailsBefore: number): Promise<string> {
  const mails = await emailsTo(baseUrl, address);
  assert.equal(mails.length, mailsBefore + 1, 'one email, to the address on file');
  const text = mails[mails.length - 1].text;
  const code = /\b(\d{6})\b/.exec(text)?.[1];
  assert.ok(code, `the email carries a 6-digit code: ${text}`);
  return code;
}

/**
 * The identity check by one-time code as a customer does it in Web Chat, once the bot asked who
 * they are: types their email address, opens the one new email the bot sent there, types its
 * 6-digit code (spaced, as people copy it), and sees it accepted.
 */
export async function verifyByEmailCode(page: Page, baseUrl: string, t: Translator, who: { readonly email: string; readonly masked: string }): Promise<void> {
  const mailsBefore = (await emailsTo(baseUrl, who.email)).length;
  await send(page, who.email);
  await see(page, t.t('identityCode.sent.email', { masked: who.masked, count: 10 }));
  const code = await newCodeTo(baseUrl, who.email, mailsBefore);
  await send(page, `${code.slice(0, 3)} ${code.slice(3)}`);
  await see(page, t.t('identityCode.verified'));
}
