import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../../../src/config/load-config';
import { isAppError } from '../../../src/errors/app-error';
import { createIdentityCodes, IdentityCodes } from '../../../src/integrations/messaging/create-identity-codes';
import { httpSmsTransport } from '../../../src/integrations/messaging/http-sms-transport';
import { MessageNotSentError } from '../../../src/integrations/messaging/message-not-sent-error';
import { smtpEmailTransport } from '../../../src/integrations/messaging/smtp-email-transport';
import { Translations } from '../../../src/i18n/translator';
import { Ledger, openLedger } from '../../../src/ledger/ledger';
import { IdentityService } from '../../../src/privacy/identity/identity-service';
import type { IdentityClaim } from '../../../src/privacy/identity/identity-service';
import { CapturedLogs, COMPANY, newConversation, newPerson } from '../../privacy/identity/support/code-harness';

const SMTP_USER = 'bot';
const SMTP_PASSWORD = 'mail-secret-for-tests';
const SMS_SID = 'AC0123456789';
const SMS_TOKEN = 'sms-token-for-tests';
const SMS_FROM = '+15005550006';
const EMAIL_FROM = 'Example Shop Privacy <privacy@example.com>';

interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly user: unknown;
  readonly raw: string;
}

interface ReceivedSms {
  readonly method: string;
  readonly path: string;
  readonly contentType: string;
  readonly authorization: string;
  readonly form: URLSearchParams;
}

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The headers (unfolded) and the decoded text body of a plain-text message as SMTP carried it. */
function parseMail(raw: string): { headers: Map<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  let body = raw.slice(split + 4);
  const encoding = headers.get('content-transfer-encoding')?.toLowerCase();
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => `%${hex}`);
    body = decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
  } else if (encoding === 'base64') {
    body = Buffer.from(body, 'base64').toString('utf8');
  }
  return { headers, body: body.replace(/\r\n/g, '\n') };
}

describe('email and SMS transports against real peers', () => {
  let ledger: Ledger;
  let translations: Translations;
  const mails: ReceivedMail[] = [];
  const texts: ReceivedSms[] = [];
  let smsAnswer = 201;
  let smtp: SMTPServer;
  let smtpPort: number;
  let sms: http.Server;
  let smsPort: number;
  const open: IdentityCodes[] = [];

  before(async function () {
    // Opening the embedded ledger runs every migration: slow on a busy machine.
    this.timeout(60_000);
    ledger = await openLedger({ ledgerDir: 'memory://', hashKey: 'transport-test-hash-key-0123456789' });
    translations = await Translations.load();
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), user: session.user, raw: Buffer.concat(chunks).toString('utf8') });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as AddressInfo).port;
    sms = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        texts.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'] ?? '', authorization: req.headers.authorization ?? '', form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(smsAnswer, { 'content-type': 'application/json' });
        // A provider's answer echoes the number: it must not end up in an error or a log.
        res.end(JSON.stringify({ sid: 'SM1', to: texts.at(-1)?.form.get('To'), status: smsAnswer === 201 ? 'queued' : 'failed' }));
      });
    });
    await new Promise<void>((resolve) => sms.listen(0, '127.0.0.1', resolve));
    smsPort = (sms.address() as AddressInfo).port;
  });

  after(async () => {
    for (const codes of open.splice(0)) await codes.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await new Promise<void>((resolve) => sms.close(() => resolve()));
    await ledger.close();
  });

  beforeEach(() => {
    mails.length = 0;
    texts.length = 0;
    smsAnswer = 201;
  });

  /** The real wiring (createIdentityCodes) from an environment, with captured logs. */
  async function wire(env: Record<string, string>): Promise<{ codes: IdentityCodes; identity: IdentityService; logs: CapturedLogs }> {
    const logs = new CapturedLogs();
    const options = loadConfig({ NODE_ENV: 'test', LEDGER_DIR: 'memory://', ...env });
    const codes = await createIdentityCodes({ options, ledger, translations, logger: logs.logger });
    open.push(codes);
    return { codes, identity: new IdentityService({ subjects: ledger.subjects, verifications: ledger.verifications, claimKeyOf: codes.claimKeyOf }), logs };
  }

  function realPeers(): Record<string, string> {
    return {
      EMAIL_TRANSPORT: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${smtpPort}`,
      EMAIL_FROM,
      SMS_TRANSPORT: `http://127.0.0.1:${smsPort}/2010-04-01/Accounts/${SMS_SID}/Messages.json`,
      SMS_ACCOUNT_SID: SMS_SID,
      SMS_AUTH_TOKEN: SMS_TOKEN,
      SMS_FROM,
    };
  }

  async function registerPerson(): Promise<{ subjectId: string; email: string; phone: string }> {
    const person = newPerson();
    const subject = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: person.email }, { kind: 'phone', value: person.phone }], regime: 'gdpr' }, { actor: 'system:test', reason: 'test subject' });
    return { subjectId: subject.id, email: person.email, phone: person.phone };
  }

  async function claim(identity: IdentityService, kind: 'email' | 'phone', value: string): Promise<IdentityClaim> {
    const result = await identity.identify(kind, value);
    assert.equal(result.status, 'claimed');
    return result.claim;
  }

  it('the code email reaches a real SMTP server (with the credentials), in Italian, and the code in it verifies', async () => {
    const { codes, identity, logs } = await wire(realPeers());
    assert.equal(codes.outbox, undefined, 'no outbox with both transports real');
    assert.equal(codes.routes, undefined, 'and no /dev/outbox');
    const person = await registerPerson();
    const conversation = newConversation('it-IT');
    assert.equal((await codes.codes.send(await claim(identity, 'email', person.email), conversation)).status, 'sent');

    assert.equal(mails.length, 1);
    const [mail] = mails;
    assert.deepEqual([mail.from, mail.to, mail.user], ['privacy@example.com', [person.email], SMTP_USER]);
    const { headers, body } = parseMail(mail.raw);
    assert.equal(headers.get('subject'), `Il suo codice per l'assistente privacy di ${COMPANY}`);
    assert.equal(headers.get('from'), EMAIL_FROM);
    const code = /Il suo codice è (\d{6})/.exec(body)?.[1];
    assert.ok(code, `the body carries the code:\n${body}`);
    assert.match(body, /Scade tra 10 minuti/);
    assert.match(body, /Se non è stato lei, può ignorare questo messaggio/);

    assert.equal((await codes.codes.check(code, conversation, 'mail-activity')).status, 'verified');
    const startLog = logs.lines.find((line) => line.includes('email and SMS transports'));
    assert.ok(startLog, 'the start-up log names the transports');
    assert.match(startLog, new RegExp(`"where":"smtp://127\\.0\\.0\\.1:${smtpPort}"`));
    assert.match(startLog, new RegExp(`"where":"http://127\\.0\\.0\\.1:${smsPort}"`));
    for (const secret of [SMTP_PASSWORD, SMS_TOKEN, SMS_SID, code, person.email]) assert.ok(!logs.text.includes(secret), `log leaked "${secret}"`);
  });

  it('the code SMS is a Twilio-style form POST with basic auth to the provider, to the phone on file, and verifies', async () => {
    const { codes, identity, logs } = await wire(realPeers());
    const person = await registerPerson();
    const conversation = newConversation('en');
    assert.deepEqual(await codes.codes.send(await claim(identity, 'phone', person.phone.replace('+39', '0039 ')), conversation), { status: 'sent', hint: { kind: 'phone', lastDigits: person.phone.slice(-2) }, expiresInSeconds: 600 });

    assert.equal(texts.length, 1);
    const [text] = texts;
    assert.equal(text.method, 'POST');
    assert.equal(text.path, `/2010-04-01/Accounts/${SMS_SID}/Messages.json`);
    assert.equal(text.contentType, 'application/x-www-form-urlencoded');
    assert.equal(text.authorization, `Basic ${Buffer.from(`${SMS_SID}:${SMS_TOKEN}`).toString('base64')}`);
    assert.deepEqual([...text.form.keys()].sort(), ['Body', 'From', 'To']);
    assert.deepEqual([text.form.get('To'), text.form.get('From')], [person.phone, SMS_FROM]);
    const code = /^(\d{6}) is your code for the Example Shop S\.p\.A\. privacy assistant\. It expires in 10 minutes\./.exec(text.form.get('Body') ?? '')?.[1];
    assert.ok(code, `the SMS carries the code: ${text.form.get('Body')}`);
    assert.equal(mails.length, 0, 'a phone claim sends no email');

    assert.equal((await codes.codes.check(code, conversation, 'sms-activity')).status, 'verified');
    for (const secret of [SMS_TOKEN, code, person.phone, person.phone.slice(3)]) assert.ok(!logs.text.includes(secret), `log leaked "${secret}"`);
  });

  it('a provider that refuses (401): unavailable, logged as HTTP_401 without the number or its answer', async () => {
    const { codes, identity, logs } = await wire(realPeers());
    const person = await registerPerson();
    smsAnswer = 401;
    const conversation = newConversation();
    assert.deepEqual(await codes.codes.send(await claim(identity, 'phone', person.phone), conversation), { status: 'unavailable' });
    assert.deepEqual(await codes.codes.check('123456', conversation, 'after-401'), { status: 'none' }, 'nothing pending');
    assert.match(logs.text, /"reason":"HTTP_401"/);
    for (const secret of [person.phone, person.phone.slice(3)]) assert.ok(!logs.text.includes(secret), `log leaked "${secret}"`);
    assert.equal((await ledger.verifications.forSubject(person.subjectId)).length, 0);
  });

  it('both peers down (closed ports): a messaging error without the address, "unavailable", nothing recorded, nothing in the logs', async () => {
    const emailPort = await closedPort();
    const smsClosedPort = await closedPort();
    const email = smtpEmailTransport({ url: `smtp://127.0.0.1:${emailPort}`, from: EMAIL_FROM, timeoutMs: 5000, description: `smtp://127.0.0.1:${emailPort}` });
    const sms = httpSmsTransport({ url: `http://127.0.0.1:${smsClosedPort}/Messages.json`, accountSid: SMS_SID, authToken: SMS_TOKEN, from: SMS_FROM, timeoutMs: 5000, description: 'down' });
    const to = { email: 'maria.rossi@example.com', phone: '+393471234567' };
    for (const [transport, address] of [[email, to.email], [sms, to.phone]] as const) {
      let caught: unknown;
      await transport.send({ to: address, subject: 'Your code', text: 'Your code is 482913' }).catch((err: unknown) => {
        caught = err;
      });
      assert.ok(caught instanceof MessageNotSentError, `${transport.channel}: a MessageNotSentError, got ${String(caught)}`);
      assert.ok(isAppError(caught, 'PSB_MESSAGE_NOT_SENT'));
      // nodemailer reports a refused connection as ESOCKET; fetch's cause says ECONNREFUSED.
      assert.match(caught.failure.reason, /^(ECONNREFUSED|ESOCKET|ECONNECTION)$/);
      const everything = JSON.stringify({ message: caught.message, details: caught.details, cause: String(caught.cause ?? '') });
      for (const secret of [address, address.slice(3), '482913']) assert.ok(!everything.includes(secret), `the error carries "${secret}": ${everything}`);
    }
    await email.close();

    const { codes, identity, logs } = await wire({
      EMAIL_TRANSPORT: `smtp://127.0.0.1:${emailPort}`,
      EMAIL_FROM,
      SMS_TRANSPORT: `http://127.0.0.1:${smsClosedPort}/Messages.json`,
      SMS_ACCOUNT_SID: SMS_SID,
      SMS_AUTH_TOKEN: SMS_TOKEN,
      SMS_FROM,
    });
    const person = await registerPerson();
    for (const [kind, value] of [['email', person.email], ['phone', person.phone]] as const) {
      const conversation = newConversation();
      assert.deepEqual(await codes.codes.send(await claim(identity, kind, value), conversation), { status: 'unavailable' });
      assert.deepEqual(await codes.codes.check('123456', conversation, `${kind}-down`), { status: 'none' });
    }
    assert.equal((await ledger.verifications.forSubject(person.subjectId)).length, 0);
    assert.match(logs.text, /message to the contact on file not sent/);
    for (const secret of [person.email, person.phone, person.phone.slice(3), SMS_TOKEN]) assert.ok(!logs.text.includes(secret), `log leaked "${secret}"`);
  });

  it('an SMS provider that does not answer fails after the timeout (ETIMEDOUT), not never', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const transport = httpSmsTransport({ url: `http://127.0.0.1:${port}/Messages.json`, accountSid: SMS_SID, authToken: SMS_TOKEN, from: SMS_FROM, timeoutMs: 300, description: 'silent' });
      await assert.rejects(transport.send({ to: '+393471234567', subject: '', text: 'x' }), (err: unknown) => err instanceof MessageNotSentError && err.failure.reason === 'ETIMEDOUT');
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
