import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadDpoAlertConfig } from '../../../src/config/dpo-alert-config';
import { verifyWebhookSignature } from '../../../src/integrations/consent-webhook/webhook-signature';
import { WebhookOutbox } from '../../../src/ledger/webhooks/webhook-outbox';
import { CONCERN_TEXT_LIMIT } from '../../../src/privacy/concerns/concern-types';
import { forEachBackend, registerSubject } from '../../ledger/support/ledger-backends';
import { WebhookReceiver } from '../../integrations/consent-webhook/webhook-receiver';
import { concernHarness, CUSTOMER, DPO_EMAIL, DPO_SECRET, newConcern, TEAM } from './concern-service-support';

/** Letters a hex dump of a sealed value cannot hold, so finding them means the words are stored in clear. */
const MARKER = 'ZEBRAQUILL';
const WORDS = newConcern({
  description: `My ${MARKER} order went to someone else <script>alert(1)</script>`,
  occurred: { at: null, phrase: `the ${MARKER} evening` },
  dataPhrase: `${MARKER} address`,
  contact: 'reach.me@example.com',
});
/** Longer than the largest backoff the harness can draw (random pinned at 1): every failed send is due again. */
const PAST_BACKOFF_MS = 10 * 60 * 1000;

/** Every file under `dir`, read whole. */
function filesUnder(dir: string): Buffer[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [readFileSync(file)];
  });
}

forEachBackend('concerns: sealed words, DPO alert, replies', (ctx) => {
  describe('the customer’s words', () => {
    it('are stored sealed: a marker in them is in no row of any table the report writes, and never in the logs', async () => {
      const h = await concernHarness(ctx);
      const { reference } = await h.service.report(WORDS, CUSTOMER);
      await h.runtime.dpoEmail?.runDue();
      for (const table of ['concern', 'concern_status', 'audit_log', 'webhook_delivery', 'concern_message']) {
        const rows = (await ctx.ledger.db.query<{ row: string }>(`SELECT t::text AS row FROM ${table} t`)).rows.map((r) => r.row).join('\n');
        assert.ok(!rows.includes(MARKER), `${table} holds the customer's words in clear`);
        assert.ok(!rows.includes('reach.me'), `${table} holds the typed contact in clear`);
      }
      const opened = await h.service.show(reference, TEAM);
      assert.equal(opened.description, WORDS.description, 'the privacy team reads them whole');
      assert.equal(opened.contact, 'reach.me@example.com');
      assert.deepEqual([opened.concern.occurred?.phrase, opened.concern.dataPhrase], [`the ${MARKER} evening`, `${MARKER} address`]);
      const looks = (await ctx.ledger.db.query<{ action: string; actor: string }>("SELECT action, actor FROM audit_log WHERE entity_id = $1 AND action = 'concern.opened'", [opened.concern.id])).rows;
      assert.deepEqual(looks, [{ action: 'concern.opened', actor: TEAM.actor }], 'reading them is audited');
      assert.ok(!h.logs.text.includes(MARKER) && !h.logs.text.includes('reach.me'), h.logs.text);
    });

    it('are in no file of an embedded ledger either (its folder, read byte by byte after closing)', async function () {
      if (ctx.backend !== 'pglite') return; // PostgreSQL's files are the server's; the rows are checked above
      const dir = mkdtempSync(path.join(tmpdir(), 'concern-sealed-'));
      try {
        const ledger = await ctx.open({ ledgerDir: path.join(dir, 'ledger') });
        const h = await concernHarness(ctx, { ledger });
        await h.service.report(WORDS, CUSTOMER);
        await ledger.close();
        const files = filesUnder(dir);
        assert.ok(files.length > 0);
        for (const content of files) assert.equal(content.indexOf(MARKER), -1, 'a file of the ledger holds the words in clear');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('longer than the limit are cut there, and the dialog is told so', async () => {
      const h = await concernHarness(ctx);
      const receipt = await h.service.report(newConcern({ description: 'é'.repeat(CONCERN_TEXT_LIMIT + 10) }), CUSTOMER);
      assert.equal(receipt.truncated, true);
      assert.equal((await h.service.show(receipt.reference, TEAM)).description, 'é'.repeat(CONCERN_TEXT_LIMIT));
      assert.equal((await h.service.report(newConcern(), CUSTOMER)).truncated, false);
    });

    it('refuses a date of when it happened that is later than now', async () => {
      const h = await concernHarness(ctx);
      await assert.rejects(
        h.service.report(newConcern({ occurred: { at: new Date(ctx.clock.now().getTime() + 86_400_000), phrase: 'tomorrow' } }), CUSTOMER),
        (err: unknown) => (err as { code?: string; details?: { field?: string } }).code === 'PSB_LEDGER_INVALID_INPUT' && (err as { details: { field: string } }).details.field === 'occurred',
      );
    });
  });

  describe('the DPO alert', () => {
    let receiver: WebhookReceiver;
    beforeEach(async () => {
      receiver = await WebhookReceiver.reserve();
    });
    afterEach(() => receiver.close());

    it('reaches a webhook that was down and then up: delivered once, signed, without the customer’s words', async () => {
      const ledger = await ctx.open();
      const h = await concernHarness(ctx, { ledger, dpoAlert: loadDpoAlertConfig({ DPO_WEBHOOK_URL: receiver.url, DPO_WEBHOOK_SECRET: DPO_SECRET, DPO_EMAIL }) });
      const dispatcher = h.runtime.dpoWebhook!;
      const { reference } = await h.service.report(WORDS, CUSTOMER);
      const reportedAt = ctx.clock.now().toISOString();
      assert.deepEqual((await h.service.find(reference))?.dpoAlert, { webhook: 'pending', email: 'pending' });

      assert.deepEqual(await dispatcher.deliverDue(), { delivered: 0, failed: 1 }, 'down: nothing listens');
      ctx.clock.advance(PAST_BACKOFF_MS);
      await receiver.answer(503);
      assert.deepEqual(await dispatcher.deliverDue(), { delivered: 0, failed: 1 }, 'failing');
      assert.equal((await h.service.find(reference))?.dpoAlert?.webhook, 'pending', 'the console says: not yet delivered');
      ctx.clock.advance(PAST_BACKOFF_MS);
      await receiver.answer(200);
      assert.deepEqual(await dispatcher.deliverDue(), { delivered: 1, failed: 0 });
      ctx.clock.advance(PAST_BACKOFF_MS);
      assert.deepEqual(await dispatcher.deliverDue(), { delivered: 0, failed: 0 }, 'never twice');
      assert.equal(receiver.accepted.length, 1);
      assert.equal((await h.service.find(reference))?.dpoAlert?.webhook, 'delivered');

      const [post] = receiver.accepted;
      const id = String(post.headers['webhook-id']);
      const signed = { id, timestamp: String(post.headers['webhook-timestamp']), signature: String(post.headers['webhook-signature']), body: post.body };
      const postedAt = new Date(Number(signed.timestamp) * 1000);
      assert.equal(verifyWebhookSignature(DPO_SECRET, signed, postedAt), true, 'signed with DPO_WEBHOOK_SECRET');
      assert.equal(verifyWebhookSignature(`${DPO_SECRET}-other`, signed, postedAt), false);
      const payload = JSON.parse(post.body) as { id: string; type: string; event: string; concern: Record<string, unknown> };
      assert.deepEqual([payload.id, payload.type, payload.event], [id, 'dpo.alert', 'breach.suspected']);
      assert.deepEqual(payload.concern, {
        reference,
        topic: 'breach',
        reportedAt,
        occurredAt: null,
        channel: 'webchat',
        dataCategories: ['marketing_offers'],
        regimes: ['gdpr'],
      });
      assert.ok(!post.body.includes(MARKER) && !post.body.includes('reach.me') && !post.body.includes('script'), post.body);
    });

    it('is raised for suspected breaches only, and goes to the consent webhook never', async () => {
      const h = await concernHarness(ctx);
      const use = await h.service.report(newConcern({ topic: 'use' }), CUSTOMER);
      assert.equal((await h.service.find(use.reference))?.dpoAlert, null);
      const breach = await h.service.report(newConcern(), CUSTOMER);
      assert.ok((await h.service.find(breach.reference))?.dpoAlert);
      assert.deepEqual(await new WebhookOutbox(ctx.ledger.db, ctx.clock.now).claimDue(100, 1000), [], 'the consent webhook claims only consent.changed');
    });

    it('says "not configured" for a way the DPO is not reached, and still keeps the alert for later', async () => {
      const h = await concernHarness(ctx, { dpoAlert: loadDpoAlertConfig({}) });
      assert.equal(h.runtime.dpoWebhook, undefined);
      assert.equal(h.runtime.dpoEmail, undefined);
      const { reference } = await h.service.report(newConcern(), CUSTOMER);
      assert.deepEqual((await h.service.find(reference))?.dpoAlert, { webhook: 'not_configured', email: 'not_configured' });
      assert.equal((await h.runtime.dpoWebhookStats()).pending >= 1, true);
    });

    it('is emailed to DPO_EMAIL, retried while the mail server is down, once, with the facts and without the words', async () => {
      const h = await concernHarness(ctx);
      await h.runtime.dpoEmail!.runDue(); // alerts of earlier tests on this ledger go first
      const { reference } = await h.service.report(WORDS, CUSTOMER);
      h.email.down = true;
      assert.equal(await h.runtime.dpoEmail!.runDue(), 0);
      assert.equal((await h.service.find(reference))?.dpoAlert?.email, 'pending');
      h.email.down = false;
      assert.equal(await h.runtime.dpoEmail!.runDue(), 0, 'not due again before its backoff');
      ctx.clock.advance(PAST_BACKOFF_MS);
      assert.equal(await h.runtime.dpoEmail!.runDue(), 1);
      ctx.clock.advance(PAST_BACKOFF_MS);
      assert.equal(await h.runtime.dpoEmail!.runDue(), 0, 'never twice');
      const mails = h.outbox.list().filter((m) => m.to === DPO_EMAIL && m.subject.includes(reference));
      assert.equal(mails.length, 1);
      assert.equal(mails[0].subject, `Suspected personal data breach reported: ${reference}`);
      assert.match(mails[0].text, new RegExp(`Reference: ${reference}`));
      assert.match(mails[0].text, /About: a suspected breach of their data/);
      assert.match(mails[0].text, /Regimes: GDPR \(EU\) 2016\/679/);
      assert.ok(!mails[0].text.includes(MARKER) && !mails[0].text.includes('reach.me'), mails[0].text);
      assert.equal((await h.service.find(reference))?.dpoAlert?.email, 'sent');
      assert.ok(!h.logs.text.includes(DPO_EMAIL), 'the address is not logged');
    });

    it('is raised when a concern that was not a suspected breach is confirmed as one, with the incident’s clocks', async () => {
      const h = await concernHarness(ctx);
      await h.runtime.dpoEmail!.runDue(); // alerts of earlier tests on this ledger go first
      const { reference } = await h.service.report(newConcern({ topic: 'answer' }), CUSTOMER);
      assert.equal(await h.runtime.dpoEmail!.runDue(), 0, 'not a suspected breach: no alert yet');
      const incident = await h.service.confirmBreach(reference, {}, TEAM);
      assert.equal(await h.runtime.dpoEmail!.runDue(), 1);
      const [mail] = h.outbox.list().filter((m) => m.to === DPO_EMAIL);
      assert.equal(mail.subject, `Personal data breach confirmed: ${incident.reference} (report ${reference})`);
      assert.match(mail.text, /GDPR \(EU\) 2016\/679: .*2026.* \(72 hours\)/);
    });
  });

  describe('replies to the customer', () => {
    it('go to the conversation once and to the contact a customer typed, and the report counts as answered', async () => {
      const h = await concernHarness(ctx);
      const { reference } = await h.service.report(newConcern({ topic: 'use', contact: 'reach.me@example.com', conversation: { route: 'webchat', id: 'conv-1' } }), CUSTOMER);
      const answered = await h.service.reply(reference, 'We have stopped the newsletter <b>for you</b>.', TEAM);
      assert.equal(answered.state, 'answered');
      h.email.down = true;
      assert.equal(await h.runtime.replies.runDue(), 0);
      assert.equal(h.told.length, 1, 'said in the chat at the first attempt');
      h.email.down = false;
      ctx.clock.advance(PAST_BACKOFF_MS);
      assert.equal(await h.runtime.replies.runDue(), 1);
      assert.equal(h.told.length, 1, 'not said twice');
      assert.match(h.told[0].text, new RegExp(`your report ${reference}:\\n\\nWe have stopped the newsletter <b>for you</b>\\.`));
      const mails = h.outbox.list().filter((m) => m.to === 'reach.me@example.com');
      assert.equal(mails.length, 1);
      assert.equal(mails[0].subject, `About your report ${reference}`);
      assert.ok(!h.logs.text.includes('reach.me') && !h.logs.text.includes('newsletter <b>'), 'neither the address nor the text is logged');
    });

    it('go to the contact on file of a customer who said who they are, in their language', async () => {
      const h = await concernHarness(ctx);
      const subject = await registerSubject(ctx.ledger);
      const { reference } = await h.service.report(newConcern({ subjectId: subject.id, topic: 'other', locale: 'it' }), CUSTOMER);
      await h.service.reply(reference, 'Abbiamo verificato.', TEAM);
      assert.equal(await h.runtime.replies.runDue(), 1);
      const [sent] = h.messenger.to(subject.id);
      assert.equal(sent.message.subject, `La sua segnalazione ${reference}`);
      assert.match(sent.message.text, /Abbiamo verificato\./);
    });

    it('are refused when there is no way to reach the customer, and nothing is queued', async () => {
      const h = await concernHarness(ctx);
      const { reference } = await h.service.report(newConcern({ topic: 'other' }), CUSTOMER);
      await assert.rejects(h.service.reply(reference, 'Thanks', TEAM), (err: unknown) => (err as { code?: string }).code === 'PSB_CONCERN_NO_REPLY_ROUTE');
      assert.equal((await h.service.find(reference))?.state, 'reported');
      assert.equal(await h.runtime.replies.runDue(), 0);
    });
  });
});
