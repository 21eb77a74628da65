import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { Activity } from 'botbuilder';
import { SHIPPED_LOCALES, ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translator } from '../../src/i18n/translator';
import { IntentName } from '../../src/nlu/intents';
import { anotherCode, CodeWorld, openCodeWorld, spaced, verificationRows } from './code-support';
import { ConsentConversation, consentConversation, useConsentWorld, registerCustomer, TestCustomer } from './consent-support';
import { CHECK } from './customer-sentences';
import { keyword, readTexts } from './dialog-harness';

/** "new code" typed inside a sentence. */
const RESEND: Record<ShippedLocale, string> = {
  en: 'could you resend it please?',
  it: 'me lo può reinviare?',
  de: 'Können Sie ihn bitte nochmal senden?',
  fr: "Vous pouvez me le renvoyer, s'il vous plaît ?",
  es: '¿Me lo puede reenviar, por favor?',
  pt: 'Você pode reenviar o código, por favor?',
  nl: 'Kunt u hem opnieuw sturen?',
};
const NOT_A_CODE = '12345';
const VALID_MINUTES = 10;
/** Codes per subject per hour (the service's default). */
const CODES_PER_HOUR = 3;
const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** What the customer types at a turn, resolved in the case's conversation. */
type Said = 'check' | 'email' | 'code' | 'spacedCode' | 'firstCode' | 'wrongCode' | 'notACode' | 'newCodeButton' | 'resend' | 'cancel' | 'person';

/** What the customer must read: a message of locales/ with its values, the consents card, or the cancel answer (with the menu). */
type Expected = readonly [key: string, vars?: Record<string, string | number>] | 'card' | 'cancelled';

type Turn = { readonly say: Said; readonly expect: readonly Expected[] } | { readonly minutesPass: number };

interface CodeCase {
  readonly name: string;
  readonly turns: readonly Turn[];
  /** Where the session ends: verified (one verification row) or not (none). */
  readonly verified: boolean;
  /** A person was asked to verify (a ticket waits, for the check that waits). */
  readonly handedOver?: boolean;
}

const MASKED = 'c***@example.com';
const PROMPT: Expected = ['identity.prompt'];
const NOTED: Expected = ['identity.noted', { identifier: MASKED }];
const SENT: Expected = ['identityCode.sent.email', { masked: MASKED, count: VALID_MINUTES }];
const VERIFIED: readonly Expected[] = [['identityCode.verified'], 'card'];
const wrong = (count: number): Expected => ['identityCode.wrong', { count }];

/** The question, then the address: a code is sent, and the code prompt waits. */
const AT_CODE_PROMPT: readonly Turn[] = [
  { say: 'check', expect: [PROMPT] },
  { say: 'email', expect: [NOTED, SENT] },
];
/** Five wrong codes at the code prompt: each says how many tries are left, the fifth uses the code up. */
const FIVE_WRONG: readonly Turn[] = [
  { say: 'wrongCode', expect: [wrong(4)] },
  { say: 'wrongCode', expect: [wrong(3)] },
  { say: 'wrongCode', expect: [wrong(2)] },
  { say: 'wrongCode', expect: [wrong(1)] },
  { say: 'wrongCode', expect: [['identityCode.exhausted']] },
];

const CASES: readonly CodeCase[] = [
  {
    name: 'the right code, typed with a space: verified, and the consents card at once, with no person involved',
    turns: [...AT_CODE_PROMPT, { say: 'spacedCode', expect: VERIFIED }],
    verified: true,
  },
  {
    name: 'something that is not a code is asked again gently, and uses no try',
    turns: [
      ...AT_CODE_PROMPT,
      { say: 'notACode', expect: [['identityCode.retry']] },
      { say: 'wrongCode', expect: [wrong(4)] },
      { say: 'code', expect: VERIFIED },
    ],
    verified: true,
  },
  {
    name: 'a wrong code five times uses the code up (the right one no longer works); a new code then does',
    turns: [
      ...AT_CODE_PROMPT,
      ...FIVE_WRONG,
      { say: 'code', expect: [['identityCode.exhausted']] },
      { say: 'newCodeButton', expect: [SENT] },
      { say: 'code', expect: VERIFIED },
    ],
    verified: true,
  },
  {
    name: 'wrong code five times, then nothing more: not verified',
    turns: [...AT_CODE_PROMPT, ...FIVE_WRONG],
    verified: false,
  },
  {
    name: 'an expired code gets its own answer (not "wrong"); a new code works',
    turns: [
      ...AT_CODE_PROMPT,
      { minutesPass: VALID_MINUTES + 1 },
      { say: 'code', expect: [['identityCode.expired']] },
      { say: 'resend', expect: [SENT] },
      { say: 'code', expect: VERIFIED },
    ],
    verified: true,
  },
  {
    name: 'a code typed long after (over an hour): no code is waiting any more, and a new one works',
    turns: [
      ...AT_CODE_PROMPT,
      { minutesPass: 75 },
      { say: 'code', expect: [['identityCode.none']] },
      { say: 'newCodeButton', expect: [SENT] },
      { say: 'code', expect: VERIFIED },
    ],
    verified: true,
  },
  {
    name: 'resend: a new code replaces the first one',
    turns: [
      ...AT_CODE_PROMPT,
      { say: 'resend', expect: [SENT] },
      { say: 'firstCode', expect: [wrong(4)] },
      { say: 'code', expect: VERIFIED },
    ],
    verified: true,
  },
  {
    name: `at most ${CODES_PER_HOUR} codes an hour: the next request says how long to wait, and a person can take over`,
    turns: [
      ...AT_CODE_PROMPT,
      { say: 'resend', expect: [SENT] },
      { say: 'newCodeButton', expect: [SENT] },
      { say: 'resend', expect: [['identityCode.limited', { count: 60 }]] },
      { say: 'person', expect: [['handoff.queuedForVerification', { position: 1 }]] },
    ],
    verified: false,
    handedOver: true,
  },
  {
    name: '"talk to a person" at the code prompt: handed over to verify, the check waiting',
    turns: [...AT_CODE_PROMPT, { say: 'person', expect: [['handoff.queuedForVerification', { position: 1 }]] }],
    verified: false,
    handedOver: true,
  },
  {
    name: 'cancel at the address prompt: stopped, and asking again starts from who you are',
    turns: [
      { say: 'check', expect: [PROMPT] },
      { say: 'cancel', expect: ['cancelled'] },
      { say: 'check', expect: [PROMPT] },
    ],
    verified: false,
  },
  {
    name: 'cancel at the code prompt: stopped, not verified (asking again sends a new code), and the old code is gone with it',
    turns: [
      ...AT_CODE_PROMPT,
      { say: 'cancel', expect: ['cancelled'] },
      { say: 'check', expect: [SENT] },
      { say: 'firstCode', expect: [wrong(4)] },
    ],
    verified: false,
  },
];

/** What the customer reads of a reply: its text or its card's text fallback (narrow spaces as spaces). */
function readable(activity: Partial<Activity>): string {
  const card = activity.attachments?.[0]?.content as { fallbackText?: string } | undefined;
  return (activity.text || card?.fallbackText || '').replace(/[\u202f\u00a0]/g, ' ');
}

describe('one-time code dialogs: a customer verifies alone, in chat', function () {
  this.timeout(60_000);
  const world = useConsentWorld();

  /** A conversation with the real gate, identity and code dialogs over the ledger, and the real code service. */
  function converse(locale: ShippedLocale, codes: CodeWorld): ConsentConversation {
    const t = readTexts(world.dialogs.translations, locale);
    const intents: Record<string, IntentName> = { [CHECK[locale]]: 'consent.check', [t.t('menu.agent')]: 'agent.request' };
    return consentConversation(world, locale, { intents, codes: codes.codes });
  }

  function check(t: Translator, replies: readonly Partial<Activity>[], expected: readonly Expected[], where: string): void {
    const texts = replies.map(readable);
    assert.equal(replies.length, expected.length, `${where}: ${JSON.stringify(texts)}`);
    expected.forEach((want, i) => {
      if (want === 'card') assert.equal(replies[i].attachments?.[0]?.contentType, ADAPTIVE_CARD, `${where}: the consents card: ${texts[i]}`);
      else if (want === 'cancelled') assert.ok(texts[i].startsWith(t.t('cancel.done')), `${where}: ${texts[i]}`);
      else assert.equal(texts[i], t.t(want[0], want[1]), where);
    });
  }

  for (const locale of SHIPPED_LOCALES) {
    describe(`in ${locale}`, () => {
      for (const c of CASES) {
        it(c.name, async () => {
          const t = readTexts(world.dialogs.translations, locale);
          const codes = openCodeWorld(world.ledger, world.dialogs.translations);
          const customer = await registerCustomer(world);
          const conversation = converse(locale, codes);
          const said: Record<Said, () => string> = {
            check: () => CHECK[locale],
            email: () => customer.email,
            code: () => codes.latestCodeFor(customer.email),
            spacedCode: () => spaced(codes.latestCodeFor(customer.email)),
            firstCode: () => codes.sentTo(customer.email)[0].text.match(/\b\d{6}\b/)?.[0] ?? '',
            wrongCode: () => anotherCode(codes.latestCodeFor(customer.email)),
            notACode: () => NOT_A_CODE,
            newCodeButton: () => t.t('identityCode.newCodeButton'),
            resend: () => RESEND[locale],
            cancel: () => keyword(world.dialogs, locale, 'cancel'),
            person: () => t.t('menu.agent'),
          };
          for (const [index, turn] of c.turns.entries()) {
            if ('minutesPass' in turn) {
              codes.advanceMinutes(turn.minutesPass);
              continue;
            }
            const replies = await conversation.sayForActivities(said[turn.say]());
            check(t, replies, turn.expect, `turn ${index + 1} (${turn.say})`);
          }
          const rows = await verificationRows(world.ledger, customer.subjectId);
          if (c.verified) {
            assert.deepEqual(rows, [['one_time_code', 'verified', 'verified', 'test']], 'exactly one verification, by code, in this channel');
            assert.deepEqual(conversation.assurance, { level: 'verified', method: 'one_time_code', claim: { kind: 'email', masked: MASKED, subjectId: customer.subjectId } });
          } else {
            assert.deepEqual(rows, [], 'no verification recorded');
            assert.notEqual(conversation.assurance?.level, 'verified');
          }
          const queue = await conversation.hub.queue();
          assert.deepEqual(
            queue.map((ticket) => [ticket.reason, ticket.pendingAction]),
            c.handedOver ? [['verification', 'consent.view']] : [],
            c.handedOver ? 'a person verifies, and the check waits' : 'no person involved',
          );
          // The messages went to the address on file; no code and no address in any log line.
          assert.ok(codes.outbox.list().every((entry) => entry.to === customer.email));
          for (const entry of codes.outbox.list()) {
            const code = /\b\d{6}\b/.exec(entry.text)?.[0] ?? '';
            assert.ok(!codes.logs.some((line) => line.includes(code) || line.includes(customer.email)), 'a code or an address in the logs');
          }
        });
      }

      it('same words whether or not the address is on file; nothing is sent to an address not on file, which can never verify', async () => {
        const t = readTexts(world.dialogs.translations, locale);
        const codes = openCodeWorld(world.ledger, world.dialogs.translations);
        const onFile = await registerCustomer(world);
        const stranger = `carla.nobody.${process.pid}.${randomInt(1e6)}@example.com`;
        const newCode = t.t('identityCode.newCodeButton');
        const transcripts: string[][] = [];
        for (const email of [onFile.email, stranger]) {
          const conversation = converse(locale, codes);
          // The customer on file types wrong codes; the stranger types the real code the customer on file was sent.
          const aCode = (): string => (email === onFile.email ? anotherCode(codes.latestCodeFor(onFile.email)) : codes.latestCodeFor(onFile.email));
          const lines: string[] = [];
          for (const text of [() => CHECK[locale], () => email, () => NOT_A_CODE, aCode, () => newCode, aCode, aCode, aCode, aCode, aCode, () => newCode, () => newCode]) {
            lines.push(...(await conversation.say(text())));
          }
          transcripts.push(lines);
          assert.notEqual(conversation.assurance?.level, 'verified', email);
        }
        assert.equal(transcripts[0].at(-2), t.t('identityCode.sent.email', { masked: MASKED, count: VALID_MINUTES }));
        assert.equal(transcripts[0].at(-1), t.t('identityCode.limited', { count: 60 }));
        assert.deepEqual(transcripts[1], transcripts[0], 'the stranger reads exactly what the customer on file reads');
        assert.deepEqual(codes.sentTo(stranger), [], 'nothing is ever sent to an address that is not on file');
        assert.equal(codes.sentTo(onFile.email).length, CODES_PER_HOUR);
        assert.deepEqual(await verificationRows(world.ledger, onFile.subjectId), []);
      });

      it('same words for a phone number or a customer number on file and not on file (the masked value aside)', async () => {
        const t = readTexts(world.dialogs.translations, locale);
        const codes = openCodeWorld(world.ledger, world.dialogs.translations);
        // Random middles, so each run registers new identifiers; the ones not on file differ from them by one.
        const middle = String(randomInt(10_000, 99_999));
        const next = String(Number(middle) + 1);
        const phone = `+39347${middle}67`;
        const number = `CUST-${middle}01`;
        const email = `dario.${process.pid}.${middle}@example.com`;
        await world.ledger.subjects.register({ identifiers: [{ kind: 'email', value: email }, { kind: 'phone', value: phone }, { kind: 'customer_number', value: number }], regime: 'gdpr' }, { actor: 'system:test', reason: 'test customer' });
        const pairs: [string, string][] = [
          [phone, `+39347${next}67`],
          [number, `CUST-${next}01`],
        ];
        for (const [known, unknown] of pairs) {
          const seen: string[][] = [];
          for (const identifier of [known, unknown]) {
            const conversation = converse(locale, codes);
            await conversation.say(CHECK[locale]);
            const lines = [...(await conversation.say(identifier)), ...(await conversation.say('000000'))];
            seen.push(lines.map((line) => line.replace(/\+39\*{6}67|CU\*{3}01/g, '<masked>')));
          }
          assert.deepEqual(seen[1], seen[0], `${known} / ${unknown}`);
          assert.ok(seen[0][1] === t.t('identityCode.sent.phone', { lastDigits: '67', count: VALID_MINUTES }) || seen[0][1] === t.t('identityCode.sent.contactOnFile', { count: VALID_MINUTES }), seen[0][1]);
        }
        // The phone claim's code went by SMS to the phone on file, the customer number's to the email on file.
        assert.deepEqual(
          codes.outbox.list().map((entry) => [entry.channel, entry.to]),
          [
            ['sms', phone],
            ['email', email],
          ],
        );
      });

      it('a code typed in another conversation does nothing: only the conversation it was sent to verifies', async () => {
        const codes = openCodeWorld(world.ledger, world.dialogs.translations);
        const t = readTexts(world.dialogs.translations, locale);
        const customer: TestCustomer = await registerCustomer(world);
        const own = converse(locale, codes);
        await own.say(CHECK[locale]);
        await own.say(customer.email);
        const ownCode = codes.latestCodeFor(customer.email);
        // Someone else claims the same address in another chat; a code goes to the customer, not to them.
        const other = converse(locale, codes);
        await other.say(CHECK[locale]);
        await other.say(customer.email);
        assert.equal(codes.sentTo(customer.email).length, 2);
        assert.deepEqual(await other.say(ownCode), [t.t('identityCode.wrong', { count: 4 })], 'the first chat’s code is worthless here');
        assert.notEqual(other.assurance?.level, 'verified');
        assert.deepEqual(await verificationRows(world.ledger, customer.subjectId), []);
        // In its own conversation the code still works, once.
        const replies = await own.sayForActivities(ownCode);
        check(t, replies, VERIFIED, 'own conversation');
        assert.deepEqual(await verificationRows(world.ledger, customer.subjectId), [['one_time_code', 'verified', 'verified', 'test']]);
      });

      it('the email server is down: "try again later or talk to a person", nothing recorded, and a person can take over', async () => {
        const t = readTexts(world.dialogs.translations, locale);
        const codes = openCodeWorld(world.ledger, world.dialogs.translations, { transportsDown: true });
        const customer = await registerCustomer(world);
        const conversation = converse(locale, codes);
        await conversation.say(CHECK[locale]);
        const [noted, unavailable] = await conversation.sayForActivities(customer.email);
        assert.equal(readable(noted), t.t('identity.noted', { identifier: MASKED }));
        assert.equal(readable(unavailable), t.t('identityCode.unavailable'));
        assert.deepEqual(
          unavailable.suggestedActions?.actions.map((action) => action.title),
          [t.t('identityCode.newCodeButton'), t.t('menu.agent')],
        );
        assert.deepEqual(await conversation.say(t.t('identityCode.newCodeButton')), [t.t('identityCode.unavailable')], 'trying again is allowed, and told the same');
        assert.deepEqual(await conversation.say(t.t('menu.agent')), [t.t('handoff.queuedForVerification', { position: 1 })]);
        assert.deepEqual(await verificationRows(world.ledger, customer.subjectId), []);
        assert.ok(!codes.logs.some((line) => line.includes(customer.email)), 'the failure is logged without the address');
        assert.ok(codes.logs.some((line) => line.includes('one-time code not sent')), 'the failure is logged');
      });
    });
  }
});
