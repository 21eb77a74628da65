import assert from 'node:assert/strict';
import { Translations, Translator } from '../../../src/i18n/translator';
import type { Verification } from '../../../src/ledger/verifications/verification-service';
import { ConsentStack, startConsentStack } from '../../consent-bot/consent-stack';
import { dlFetch } from '../directline/support/direct-line-http';
import { CompanySite, signAssertion, SITE_AUDIENCE, SITE_ISSUER, SITE_SECRET, SiteKey, siteKey } from './support/company-site';

interface ReadActivity {
  id: string;
  type: string;
  text?: string;
  from: { id: string; role?: string };
  attachments?: { contentType: string; content?: unknown }[];
  channelData?: Record<string, unknown>;
}

const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** A Web Chat conversation opened the way the page opens it: POST /webchat/token, then Direct Line. */
class WebChatCustomer {
  private watermark = '';

  private constructor(
    private readonly baseUrl: string,
    readonly conversationId: string,
    readonly token: string,
    private readonly locale: string,
  ) {}

  static async open(baseUrl: string, body: Record<string, unknown>): Promise<WebChatCustomer> {
    const granted = await dlFetch<{ token: string; conversationId: string }>(baseUrl, 'POST', '/webchat/token', { body });
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    const started = await dlFetch<{ conversationId: string }>(baseUrl, 'POST', '/v3/directline/conversations', { bearer: granted.body.token });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const customer = new WebChatCustomer(baseUrl, granted.body.conversationId, granted.body.token, typeof body.locale === 'string' ? body.locale : 'en-US');
    await customer.replies(); // the welcome
    return customer;
  }

  /** Posts a message (with `channelData` as a client may write it) and answers the bot's replies to it. */
  async say(text: string, channelData: Record<string, unknown> = {}): Promise<ReadActivity[]> {
    const posted = await dlFetch<{ id: string }>(this.baseUrl, 'POST', `/v3/directline/conversations/${this.conversationId}/activities`, {
      bearer: this.token,
      body: { type: 'message', from: { id: 'whoever' }, text, locale: this.locale, channelData: { clientActivityID: `c-${Date.now()}-${Math.random()}`, ...channelData } },
    });
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    return this.replies();
  }

  /** The bot's activities since the last read (the post resolves once its replies are stored). */
  private async replies(): Promise<ReadActivity[]> {
    const read = await dlFetch<{ activities: ReadActivity[]; watermark: string }>(this.baseUrl, 'GET', `/v3/directline/conversations/${this.conversationId}/activities?watermark=${this.watermark}`, { bearer: this.token });
    assert.equal(read.status, 200);
    this.watermark = read.body.watermark;
    return read.body.activities.filter((activity) => activity.from.role === 'bot' && activity.type === 'message');
  }
}

function siteVerifications(all: readonly Verification[]): Verification[] {
  return all.filter((verification) => verification.method === 'signed_in_site');
}

async function verificationCount(stack: ConsentStack): Promise<number> {
  return Number((await stack.ledger.db.query<{ n: string | number }>('SELECT count(*) AS n FROM verification')).rows[0].n);
}

/** Asserts the replies are the consents card, asked nothing before it. */
function assertConsentsCard(replies: readonly ReadActivity[], t: Translator): void {
  assert.ok(replies.length > 0, 'the bot answered');
  assert.ok(!replies.some((reply) => reply.text === t.t('identity.prompt')), `no question about who the customer is: ${JSON.stringify(replies.map((r) => r.text))}`);
  const card = replies[0].attachments?.[0];
  assert.equal(card?.contentType, ADAPTIVE_CARD, 'the consents card at once');
  assert.ok(JSON.stringify(card?.content).includes(t.t('consent.overview.title')), 'the card is the consents overview');
}

describe('signed-in Web Chat (the bot, our Direct Line, a PostgreSQL ledger, a local JWK Set)', function () {
  this.timeout(60_000);
  let translations: Translations;
  let site: CompanySite;
  let key: SiteKey;
  let stack: ConsentStack;

  before(async () => {
    translations = await Translations.load();
    key = await siteKey('RS256', 'site-2026');
    site = await CompanySite.start([key]);
    stack = await startConsentStack({ WEBCHAT_IDENTITY_JWKS_URL: site.jwksUrl, WEBCHAT_IDENTITY_ISSUER: SITE_ISSUER, WEBCHAT_IDENTITY_AUDIENCE: SITE_AUDIENCE });
  });
  after(async () => {
    await stack?.close();
    await site?.stop();
  });

  it('a valid assertion: "What did I agree to?" gets the consents card with no question; one signed_in_site verification (channel webchat, actor the site) for the conversation', async () => {
    const t = translations.for('en');
    const maya = stack.demo.maya;
    const before = siteVerifications(await stack.ledger.verifications.forSubject(maya.subjectId)).length;
    const chat = await WebChatCustomer.open(stack.baseUrl, { locale: 'en-US', assertion: await signAssertion(key, { claims: { email: maya.email.toUpperCase() } }) });

    assertConsentsCard(await chat.say('What did I agree to?'), t);
    assertConsentsCard(await chat.say('What did I agree to?'), t);

    const recorded = siteVerifications(await stack.ledger.verifications.forSubject(maya.subjectId)).slice(before);
    assert.equal(recorded.length, 1, 'recorded once for the conversation');
    assert.deepEqual([recorded[0].level, recorded[0].outcome, recorded[0].channel], ['verified', 'verified', 'webchat']);
    const audit = await stack.ledger.db.query<{ actor: string }>("SELECT actor FROM audit_log WHERE action = 'verification.recorded' AND entity_id = $1 AND details->>'verificationId' = $2", [maya.subjectId, recorded[0].id]);
    assert.deepEqual(audit.rows.map((row) => row.actor), [`site:${SITE_ISSUER}`]);
  });

  it('the token carries the customer signed: a browser that edits it is refused by Direct Line', async () => {
    const granted = await dlFetch<{ token: string }>(stack.baseUrl, 'POST', '/webchat/token', { body: { assertion: await signAssertion(key, { claims: { email: 'nobody.on.file@example.com' } }) } });
    assert.equal(granted.status, 200);
    const [header, payload, signature] = granted.body.token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { start: { signedIn: { value: string } } };
    assert.equal(claims.start.signedIn.value, 'nobody.on.file@example.com', 'the verified customer is inside our token');
    claims.start.signedIn.value = stack.demo.maya.email;
    const edited = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
    const started = await dlFetch<{ error: { code: string } }>(stack.baseUrl, 'POST', '/v3/directline/conversations', { bearer: edited });
    assert.equal(started.status, 401);
    assert.equal(started.body.error.code, 'PSB_DL_UNAUTHORIZED');
  });

  it('an assertion naming nobody on file: the conversation stays anonymous (asked who they are) and nothing is recorded', async () => {
    const t = translations.for('en');
    const before = await verificationCount(stack);
    const chat = await WebChatCustomer.open(stack.baseUrl, { locale: 'en-US', assertion: await signAssertion(key, { claims: { email: 'stranger.not.on.file@example.com' } }) });
    const replies = await chat.say('What did I agree to?');
    assert.equal(replies.at(-1)?.text, t.t('identity.prompt'), JSON.stringify(replies.map((reply) => reply.text)));
    assert.equal(await verificationCount(stack), before);
  });

  it('an anonymous chat whose client posts channelData claiming to be signed in or verified gets nothing', async () => {
    const t = translations.for('en');
    const maya = stack.demo.maya;
    const before = await verificationCount(stack);
    const chat = await WebChatCustomer.open(stack.baseUrl, { locale: 'en-US' });
    const forged = {
      signedIn: { kind: 'email', value: maya.email, issuer: SITE_ISSUER },
      verified: true,
      assurance: 'verified',
      assertion: await signAssertion(key, { claims: { email: maya.email } }),
    };
    const replies = await chat.say('What did I agree to?', forged);
    assert.equal(replies.at(-1)?.text, t.t('identity.prompt'), JSON.stringify(replies.map((reply) => reply.text)));
    assert.ok(!replies.some((reply) => reply.attachments?.some((attachment) => attachment.contentType === ADAPTIVE_CARD)), 'no consents card');
    assert.equal(await verificationCount(stack), before, 'no verification recorded');
  });

  it('a refused assertion opens no conversation: 401 JSON and no token', async () => {
    const refused = await dlFetch<{ error: { code: string }; token?: string }>(stack.baseUrl, 'POST', '/webchat/token', {
      body: { assertion: await signAssertion(key, { claims: { email: stack.demo.maya.email }, audience: 'another-app' }) },
    });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error.code, 'PSB_WEBCHAT_ASSERTION_INVALID');
    assert.equal(refused.body.token, undefined);
  });

  it('logs neither an assertion nor the email it carries', () => {
    const logs = stack.running.logs.text;
    assert.match(logs, /signed-in Web Chat token issued/);
    assert.ok(!logs.includes(stack.demo.maya.email), 'no claim value in the logs');
    assert.ok(!logs.includes('stranger.not.on.file@example.com'));
    assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\.eyJ/.test(logs), 'no JWT in the logs');
  });
});

describe('signed-in Web Chat with a shared secret (HS256) and a customer-number claim', function () {
  this.timeout(60_000);
  let translations: Translations;
  let stack: ConsentStack;

  before(async () => {
    translations = await Translations.load();
    stack = await startConsentStack({
      WEBCHAT_IDENTITY_SECRET: SITE_SECRET,
      WEBCHAT_IDENTITY_ISSUER: SITE_ISSUER,
      WEBCHAT_IDENTITY_AUDIENCE: SITE_AUDIENCE,
      WEBCHAT_IDENTITY_CLAIM: 'customer_no',
      WEBCHAT_IDENTITY_CLAIM_KIND: 'customer_number',
    });
  });
  after(() => stack?.close());

  it('it: Giulia, signed in by customer number, sees her consents card at once; the verification is recorded', async () => {
    const t = translations.for('it');
    const giulia = stack.demo.giulia;
    const chat = await WebChatCustomer.open(stack.baseUrl, { locale: 'it-IT', assertion: await signAssertion('secret', { claims: { customer_no: 'cust-100001' } }) });
    assertConsentsCard(await chat.say('A cosa ho dato il consenso?'), t);
    const recorded = siteVerifications(await stack.ledger.verifications.forSubject(giulia.subjectId));
    assert.equal(recorded.length, 1);
    assert.equal(recorded[0].channel, 'webchat');
  });

  it('an RS256 assertion or another secret: 401, no token', async () => {
    const other = await signAssertion('secret', { claims: { customer_no: 'CUST-100001' } }, 'a-different-secret-of-the-same-length-0123');
    const rsa = await signAssertion(await siteKey('RS256', 'k'), { claims: { customer_no: 'CUST-100001' } });
    for (const assertion of [other, rsa]) {
      const refused = await dlFetch<{ error: { code: string }; token?: string }>(stack.baseUrl, 'POST', '/webchat/token', { body: { assertion } });
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error.code, 'PSB_WEBCHAT_ASSERTION_INVALID');
      assert.equal(refused.body.token, undefined);
    }
  });
});
