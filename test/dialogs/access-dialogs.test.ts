import assert from 'node:assert/strict';
import { ConversationState, MemoryStorage } from 'botbuilder';
import { SHIPPED_LOCALES, ShippedLocale } from '../../src/i18n/shipped-locales';
import { IntentName } from '../../src/nlu/intents';
import type { Regime } from '../../src/privacy/clocks/regimes';
import { LogCapture } from '../support/test-app';
import { accessConversation } from './access-support';
import { openCodeWorld } from './code-support';
import { TestCustomer, heldBy, registerCustomer, useConsentWorld } from './consent-support';
import type { Translator } from '../../src/i18n/translator';
import { actionTitles, readTexts } from './dialog-harness';
import { FakeAccessRequests } from './fake-access-requests';
import { matches } from './reply-matches';

/**
 * "A copy of my data" and "where is my request?" as tables of turns, over an in-memory access
 * service (the real statutory clocks and references; the fake's clock stands at Wednesday, January 28, 2026,
 * 10:00 UTC, so a GDPR request is due at the end of 28 February, Brussels time).
 */

const REFERENCE = /PRV-2026-[0-9A-HJKMNP-TV-Z]{6}-[0-9A-HJKMNP-TV-Z]/;

/** The texts written out for en and it (a change of wording shows here); the other languages' rows are their locale file's text, read through the translator. */
type Wording = (t: Translator) => string;

const CONFIRM: Record<ShippedLocale, (t: Translator, scope: string, deadline: string) => string> = {
  en: (_t, scope, deadline) =>
    `I'll open a request for a copy of ${scope}. You'll get it as a ZIP file with a report you can read and a machine-readable file (JSON) with the same data.\n\nBy law we must answer ${deadline}. When it's ready, I'll tell you here in this chat and at the contact details we hold for you, with a link to download it.\n\nShall I go ahead?`,
  it: (_t, scope, deadline) =>
    `Aprirò una richiesta per avere una copia ${scope}. La riceverà come file ZIP con un resoconto leggibile e un file in formato elettronico (JSON) con gli stessi dati.\n\nPer legge dobbiamo risponderle ${deadline}. Quando sarà pronta, glielo dirò qui in chat e ai recapiti che abbiamo per lei, con un link per scaricarla.\n\nProcedo?`,
  de: (t, scope, deadline) => t.t('access.confirm.ask', { scope, deadline }),
  fr: (t, scope, deadline) => t.t('access.confirm.ask', { scope, deadline }),
  es: (t, scope, deadline) => t.t('access.confirm.ask', { scope, deadline }),
  pt: (t, scope, deadline) => t.t('access.confirm.ask', { scope, deadline }),
  nl: (t, scope, deadline) => t.t('access.confirm.ask', { scope, deadline }),
};
const scopeAll: Wording = (t) => t.t('access.scope.all');
const ALL: Record<ShippedLocale, Wording> = { en: () => 'all the personal data we hold about you', it: () => 'di tutti i dati personali che conserviamo su di lei', de: scopeAll, fr: scopeAll, es: scopeAll, pt: scopeAll, nl: scopeAll };
/**
 * The last day of a GDPR request made at the fake's clock, read in Rome, as ICU writes it in each language
 * (checked against its output: the dialog's date must be this one, in these words).
 */
const DUE_DATE: Record<ShippedLocale, string> = {
  en: 'Saturday, February 28, 2026',
  it: 'sabato 28 febbraio 2026',
  de: 'Samstag, 28. Februar 2026',
  fr: 'samedi 28 février 2026',
  es: 'sábado, 28 de febrero de 2026',
  pt: 'sábado, 28 de fevereiro de 2026',
  nl: 'zaterdag 28 februari 2026',
};
/** The fake's clock, read in Rome, as ICU writes it in each language. */
const RECEIVED_AT: Record<ShippedLocale, string> = {
  en: 'Wednesday, January 28, 2026 at 11:00 AM GMT+1',
  it: 'mercoledì 28 gennaio 2026 alle ore 11:00 CET',
  de: 'Mittwoch, 28. Januar 2026 um 11:00 MEZ',
  fr: 'mercredi 28 janvier 2026 à 11:00 UTC+1',
  es: 'miércoles, 28 de enero de 2026, 11:00 CET',
  pt: 'quarta-feira, 28 de janeiro de 2026 às 11:00 GMT+1',
  nl: 'woensdag 28 januari 2026 om 11:00 CET',
};
const gdprDeadline =
  (locale: ShippedLocale): Wording =>
  (t) =>
    t.t('access.deadline.gdpr', { date: DUE_DATE[locale] });
/** The GDPR deadline of a request made at the fake's clock, read in Rome. */
const GDPR_DEADLINE: Record<ShippedLocale, Wording> = {
  en: () => `within one month, by ${DUE_DATE.en}`,
  it: () => `entro un mese, cioè entro ${DUE_DATE.it}`,
  de: gdprDeadline('de'),
  fr: gdprDeadline('fr'),
  es: gdprDeadline('es'),
  pt: gdprDeadline('pt'),
  nl: gdprDeadline('nl'),
};
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** "Received", with any well-formed reference, the receipt time and the deadline in the locale file's words. */
const receivedFromCatalog =
  (locale: ShippedLocale): ((t: Translator) => RegExp) =>
  (t) =>
    new RegExp(`^${escape(t.t('access.received', { reference: '@REF@', received: RECEIVED_AT[locale], deadline: GDPR_DEADLINE[locale](t) })).replace('@REF@', `(${REFERENCE.source})`)}$`);
const RECEIVED: Record<ShippedLocale, (t: Translator) => RegExp> = {
  en: () =>
    new RegExp(`^Done: your request is open\\. Your reference is (${REFERENCE.source}); please keep it\\.\\n\\nWe received it on Wednesday, January 28, 2026 at 11:00 AM GMT\\+1 and will answer within one month, by Saturday, February 28, 2026\\. I'll tell you here in this chat and at the contact details we hold for you\\. To see where it stands, ask me “where is my request\\?”\\.$`),
  it: () =>
    new RegExp(`^Fatto: la sua richiesta è aperta\\. Il riferimento è (${REFERENCE.source}): lo conservi\\.\\n\\nL'abbiamo ricevuta mercoledì 28 gennaio 2026 alle ore 11:00 CET e le risponderemo entro un mese, cioè entro sabato 28 febbraio 2026\\. Glielo dirò qui in chat e ai recapiti che abbiamo per lei\\. Per sapere a che punto è, mi chieda “a che punto è la mia richiesta\\?”\\.$`),
  de: receivedFromCatalog('de'),
  fr: receivedFromCatalog('fr'),
  es: receivedFromCatalog('es'),
  pt: receivedFromCatalog('pt'),
  nl: receivedFromCatalog('nl'),
};
const retryText: Wording = (t) => t.t('access.confirm.retry');
const RETRY: Record<ShippedLocale, Wording> = {
  en: () => 'Please answer yes or no: nothing is requested until you say yes. To ask only for some kinds of data, just name them; type “cancel” to stop.',
  it: () => 'Risponda sì o no, per favore: non viene richiesto nulla finché non dice sì. Per chiedere solo alcuni tipi di dati, me li indichi; scriva “annulla” per fermarsi.',
  de: retryText,
  fr: retryText,
  es: retryText,
  pt: retryText,
  nl: retryText,
};
const declinedText: Wording = (t) => t.t('access.declined');
const DECLINED: Record<ShippedLocale, Wording> = {
  en: () => "OK, I haven't requested anything. If you change your mind, just ask me for a copy of your data.",
  it: () => 'Va bene, non ho richiesto nulla. Se cambia idea, mi chieda pure una copia dei suoi dati.',
  de: declinedText,
  fr: declinedText,
  es: declinedText,
  pt: declinedText,
  nl: declinedText,
};
const ASK: Record<ShippedLocale, string> = {
  en: 'I want a copy of my data',
  it: 'Voglio una copia dei miei dati',
  de: 'Ich möchte eine Kopie meiner Daten',
  fr: 'Je voudrais une copie de mes données',
  es: 'Quiero una copia de mis datos',
  pt: 'Quero uma cópia dos meus dados',
  nl: 'Ik wil een kopie van mijn gegevens',
};
/** How a customer answers the confirmation in their own words, in the languages whose rows are not written out: yes, something that is no answer, no. */
const ANSWERS: Record<Exclude<ShippedLocale, 'en' | 'it'>, { readonly yes: string; readonly unclear: string; readonly no: string }> = {
  de: { yes: 'Ja, gerne', unclear: 'hm, mal sehen', no: 'Nein danke' },
  fr: { yes: 'Oui, allez-y', unclear: 'bof, je vais voir', no: 'Non merci' },
  es: { yes: 'Sí, adelante', unclear: 'pues, ya veremos', no: 'No, gracias' },
  pt: { yes: 'Sim, pode continuar', unclear: 'hmm, vou pensar', no: 'Não, obrigado' },
  nl: { yes: 'Ja, graag', unclear: 'hmm, even denken', no: 'Nee, dank je' },
};

/** A reply expected to the letter, by pattern, or as the case's language words it. */
type Expected = string | RegExp | ((t: Translator) => string | RegExp);

/** The confirmation of everything, in a language's words. */
const confirmAll =
  (locale: ShippedLocale): Wording =>
  (t) =>
    CONFIRM[locale](t, ALL[locale](t), GDPR_DEADLINE[locale](t));

interface CopyTurn {
  readonly say: string;
  readonly expect: readonly Expected[];
  /** Happens just before this message (another instance opens a case meanwhile…). */
  readonly before?: (access: FakeAccessRequests, customer: TestCustomer) => void;
}

interface CopyCase {
  readonly name: string;
  readonly locale: ShippedLocale;
  readonly regime?: Regime;
  /** @default 'Europe/Rome' */
  readonly zone?: string;
  readonly turns: readonly CopyTurn[];
  /** The categories of each `request` call, in order (null: everything); [] = nothing requested. */
  readonly requested: readonly (readonly string[] | null)[];
  /** Cases the conversation opened (not those a turn's `before` put there). */
  readonly opened: 0 | 1;
}

const COPY_CASES: readonly CopyCase[] = [
  {
    name: 'a verified customer asks: one message with scope, format, the GDPR deadline in their zone and words, and how they will hear; "yes" opens the case and only then the reference is given',
    locale: 'en',
    turns: [
      { say: ASK.en, expect: [confirmAll('en')] },
      { say: 'yes', expect: [RECEIVED.en] },
    ],
    requested: [null],
    opened: 1,
  },
  {
    name: 'the same in Italian',
    locale: 'it',
    turns: [
      { say: ASK.it, expect: [confirmAll('it')] },
      { say: 'sì', expect: [RECEIVED.it] },
    ],
    requested: [null],
    opened: 1,
  },
  {
    name: 'a CCPA customer in Los Angeles hears "within 45 days" and the date in Pacific time (daylight saving has begun by then)',
    locale: 'en',
    regime: 'ccpa',
    zone: 'America/Los_Angeles',
    turns: [{ say: ASK.en, expect: [(t) => CONFIRM.en(t, ALL.en(t), 'within 45 days, by Saturday, March 14, 2026')] }],
    requested: [],
    opened: 0,
  },
  {
    name: 'a UK customer with no zone from their client reads the date in the regime’s zone',
    locale: 'en',
    regime: 'uk-gdpr',
    zone: '',
    turns: [{ say: ASK.en, expect: [(t) => CONFIRM.en(t, ALL.en(t), 'within one month, by Saturday, February 28, 2026')] }],
    requested: [],
    opened: 0,
  },
  {
    name: '"no" requests nothing and ends politely',
    locale: 'en',
    turns: [
      { say: ASK.en, expect: [confirmAll('en')] },
      { say: 'no', expect: [DECLINED.en] },
    ],
    requested: [],
    opened: 0,
  },
  {
    name: 'an odd answer is asked again politely; then "no" requests nothing',
    locale: 'it',
    turns: [
      { say: ASK.it, expect: [confirmAll('it')] },
      { say: 'boh, vediamo', expect: [RETRY.it] },
      { say: 'no grazie', expect: [DECLINED.it] },
    ],
    requested: [],
    opened: 0,
  },
  {
    name: 'categories named in the first message: only those are confirmed and requested',
    locale: 'en',
    turns: [
      { say: 'send me a copy of my order history and my support tickets', expect: [(t) => CONFIRM.en(t, 'your data in these categories: Orders and Support tickets', GDPR_DEADLINE.en(t))] },
      { say: 'yes please', expect: [RECEIVED.en] },
    ],
    requested: [['orders', 'support']],
    opened: 1,
  },
  {
    name: 'categories named in reply (any case, no accents) narrow the request, which is asked again before anything is requested',
    locale: 'it',
    turns: [
      { say: ASK.it, expect: [confirmAll('it')] },
      { say: 'solo ACQUISTI e identita', expect: [(t) => CONFIRM.it(t, 'dei suoi dati di queste categorie: Identità e recapiti e Ordini', GDPR_DEADLINE.it(t))] },
      { say: 'sì', expect: [RECEIVED.it] },
    ],
    requested: [['identity', 'orders']],
    opened: 1,
  },
  {
    name: '"yes, but only my orders" asks again with the orders only: a yes always covers what the last question said',
    locale: 'en',
    turns: [
      { say: ASK.en, expect: [confirmAll('en')] },
      { say: 'yes, but only my orders', expect: [(t) => CONFIRM.en(t, 'your data in this category: Orders', GDPR_DEADLINE.en(t))] },
      { say: 'yes', expect: [RECEIVED.en] },
    ],
    requested: [['orders']],
    opened: 1,
  },
  {
    name: 'an open case is said (reference, received, status in plain words, due date) and no second one is opened',
    locale: 'en',
    turns: [
      {
        before: (access, customer) => access.seed({ subjectId: customer.subjectId, receivedAt: new Date('2026-01-20T08:30:00Z'), status: 'blocked', blockedReason: 'crm: HTTP 503' }),
        say: ASK.en,
        expect: [
          new RegExp(
            `^You already have an open request for a copy of your data, so I haven't opened another one: reference ${REFERENCE.source}, received on Tuesday, January 20, 2026 at 9:30 AM GMT\\+1\\. Status: in progress \\(one of our systems is taking longer than usual; we're on it\\)\\. We'll answer by Friday, February 20, 2026\\.$`,
          ),
        ],
      },
    ],
    requested: [],
    opened: 0,
  },
  {
    name: 'an open case (it)',
    locale: 'it',
    turns: [
      {
        before: (access, customer) => access.seed({ subjectId: customer.subjectId, receivedAt: new Date('2026-01-20T08:30:00Z'), status: 'awaiting_review' }),
        say: ASK.it,
        expect: [new RegExp(`^Ha già una richiesta aperta per una copia dei suoi dati, quindi non ne ho aperta un'altra: riferimento ${REFERENCE.source}, ricevuta martedì 20 gennaio 2026 alle ore 09:30 CET\\. Stato: in lavorazione \\(il nostro team privacy sta controllando la copia prima di inviargliela\\)\\. Le risponderemo entro venerdì 20 febbraio 2026\\.$`)],
      },
    ],
    requested: [],
    opened: 0,
  },
  {
    name: 'a case opened elsewhere between the question and the "yes" is given back and said to be reused',
    locale: 'en',
    turns: [
      { say: ASK.en, expect: [confirmAll('en')] },
      {
        before: (access, customer) => access.seed({ subjectId: customer.subjectId, status: 'received' }),
        say: 'yes',
        expect: [new RegExp(`^You already had an open request for a copy of your data, so I've kept that one rather than opening another: reference ${REFERENCE.source}, received on Wednesday, January 28, 2026 at 11:00 AM GMT\\+1\\. Status: received \\(we'll start on it shortly\\)\\. We'll answer by Saturday, February 28, 2026\\.$`)],
      },
    ],
    requested: [null],
    opened: 0,
  },
];

/** In the languages whose rows are not written out above: the question, a yes in the customer's words opens the case; an odd answer is asked again, a no requests nothing. */
const OTHER_LANGUAGE_CASES: readonly CopyCase[] = (Object.keys(ANSWERS) as (keyof typeof ANSWERS)[]).flatMap((locale): CopyCase[] => [
  {
    name: 'a verified customer asks in their language: scope, format, deadline and date in its words; a yes in their words opens the case',
    locale,
    turns: [
      { say: ASK[locale], expect: [confirmAll(locale)] },
      { say: ANSWERS[locale].yes, expect: [RECEIVED[locale]] },
    ],
    requested: [null],
    opened: 1,
  },
  {
    name: 'an odd answer is asked again politely; then a no in their words requests nothing',
    locale,
    turns: [
      { say: ASK[locale], expect: [confirmAll(locale)] },
      { say: ANSWERS[locale].unclear, expect: [RETRY[locale]] },
      { say: ANSWERS[locale].no, expect: [DECLINED[locale]] },
    ],
    requested: [],
    opened: 0,
  },
]);

describe('access-request dialogs', function () {
  this.timeout(60_000);
  const world = useConsentWorld();

  describe('"a copy of my data", as tables of turns; the service receives exactly the expected requests', () => {
    for (const c of [...COPY_CASES, ...OTHER_LANGUAGE_CASES]) {
      it(`${c.locale}: ${c.name}`, async () => {
        const customer = await registerCustomer(world);
        const t = readTexts(world.dialogs.translations, c.locale);
        const access = new FakeAccessRequests();
        if (c.regime) access.setRegime(customer.subjectId, c.regime);
        const zone = c.zone ?? 'Europe/Rome';
        const intents: Record<string, IntentName> = { [c.turns[0].say]: 'data.copy' };
        const conversation = accessConversation(world, c.locale, { access, intents, held: heldBy(customer, 'verified'), localTimezone: zone || undefined });
        const casesBefore = access.cases.length;
        for (const [index, turn] of c.turns.entries()) {
          turn.before?.(access, customer);
          const expected = turn.expect.map((want) => (typeof want === 'function' ? want(t) : want));
          matches(await conversation.say(turn.say), expected, `turn ${index + 1} "${turn.say}"`);
        }
        assert.deepEqual(
          access.calls.map((call) => call.input.categories),
          c.requested,
        );
        for (const { input, context } of access.calls) {
          assert.equal(input.subjectId, customer.subjectId);
          assert.equal(input.channel, 'webchat', 'our web chat, whatever the channel id of the test adapter');
          assert.equal(input.locale, c.locale);
          assert.equal(input.timeZone, zone);
          assert.equal(input.contactKind, 'email', 'the kind of identifier the customer gave');
          assert.match(String((input.conversation?.reference as { conversation?: { id?: string } } | undefined)?.conversation?.id), /^access-test-/, 'the stored conversation, for the "ready" message');
          assert.equal(context.actor, `customer:${customer.subjectId}`);
          assert.match(context.idempotencyKey ?? '', /^chat:access-test-[\w-]+:.+$/);
        }
        assert.equal(access.cases.length - casesBefore - c.turns.filter((turn) => turn.before).length, c.opened, 'cases the conversation opened');
      });
    }
  });

  for (const locale of SHIPPED_LOCALES) {
    it(`${locale}: an unverified customer is asked who they are and for a code first; once verified, the confirmation follows at once`, async () => {
      const customer = await registerCustomer(world);
      const t = readTexts(world.dialogs.translations, locale);
      const codes = openCodeWorld(world.ledger, world.dialogs.translations);
      const access = new FakeAccessRequests();
      const conversation = accessConversation(world, locale, { access, intents: { [ASK[locale]]: 'data.copy' }, codes: codes.codes, localTimezone: 'Europe/Rome' });
      assert.deepEqual(await conversation.say(ASK[locale]), [t.t('identity.prompt')]);
      assert.deepEqual(await conversation.say(customer.email), [t.t('identity.noted', { identifier: customer.masked }), t.t('identityCode.sent.email', { masked: customer.masked, count: 10 })]);
      assert.deepEqual(access.calls, [], 'nothing requested before the code');
      const verified = await conversation.say(codes.latestCodeFor(customer.email));
      assert.deepEqual(verified, [t.t('identityCode.verified'), confirmAll(locale)(t)]);
      matches(await conversation.say(t.t('access.confirm.yes')), [RECEIVED[locale](t)], 'yes after the code');
      assert.equal(access.calls.length, 1);
    });
  }

  it('the confirmation offers Yes and No as buttons, and a closing message the menu', async () => {
    const customer = await registerCustomer(world);
    const access = new FakeAccessRequests();
    const conversation = accessConversation(world, 'en', { access, intents: { [ASK.en]: 'data.copy' }, held: heldBy(customer, 'verified') });
    const [question] = await conversation.sayForActivities(ASK.en);
    assert.deepEqual(actionTitles(question), ['Yes', 'No']);
    const [declined] = await conversation.sayForActivities('no');
    assert.ok(actionTitles(declined).includes('Get a copy of my data'), JSON.stringify(actionTitles(declined)));
  });

  for (const locale of SHIPPED_LOCALES) {
    it(`${locale}: the ledger is down when "yes" comes: an apology with an error id, no reference, nothing claimed; the log has the id`, async () => {
      const customer = await registerCustomer(world);
      const access = new FakeAccessRequests();
      access.failing = new Error(`connect ECONNREFUSED 127.0.0.1:5432 for ${customer.email}`);
      const logs = new LogCapture();
      const conversation = accessConversation(world, locale, { access, intents: { [ASK[locale]]: 'data.copy' }, held: heldBy(customer, 'verified'), logs });
      await conversation.say(ASK[locale]);
      const [reply] = await conversation.say(world.dialogs.translations.for(locale).t('access.confirm.yes'));
      const errorId = /([0-9a-f]{8})\.$/.exec(reply)?.[1];
      assert.ok(errorId, reply);
      assert.equal(reply, readTexts(world.dialogs.translations, locale).t('access.failed', { errorId }));
      assert.doesNotMatch(reply, REFERENCE);
      assert.equal(access.cases.length, 0);
      assert.ok(logs.text.includes(errorId), 'the error id the customer got is in the log');
      assert.ok(!logs.text.includes(customer.email), 'no email address in the log');
    });
  }

  it('a redelivered "yes" (the same activity, on the state from before the first one) opens one case, and both deliveries tell the same reference', async () => {
    const customer = await registerCustomer(world);
    const access = new FakeAccessRequests();
    const memory: Record<string, string> = {};
    const conversation = accessConversation(world, 'en', { access, intents: { [ASK.en]: 'data.copy' }, held: heldBy(customer, 'verified'), conversationState: new ConversationState(new MemoryStorage(memory)) });
    await conversation.say(ASK.en);
    const beforeYes = structuredClone(memory);
    const [first] = await conversation.say('yes', { id: 'yes-activity-1' });
    // The second delivery runs on the state the first one started from (another instance read it before the first wrote).
    for (const key of Object.keys(memory)) delete memory[key];
    Object.assign(memory, structuredClone(beforeYes));
    const [second] = await conversation.say('yes', { id: 'yes-activity-1' });
    assert.match(first, RECEIVED.en(world.dialogs.translations.for('en')));
    assert.equal(second, first, 'the same answer, with the same reference');
    assert.equal(access.calls.length, 2, 'both deliveries asked');
    assert.equal(access.calls[0].context.idempotencyKey, access.calls[1].context.idempotencyKey);
    assert.equal(access.cases.length, 1, 'one case');
  });
});

/** Three cases of one customer: an open one extended, a fulfilled one whose link still works, a refused one. */
function seedHistory(access: FakeAccessRequests, subjectId: string): { open: string; sent: string; refused: string } {
  const extendedReceived = new Date('2026-01-05T09:00:00Z');
  const open = access.seed({
    subjectId,
    receivedAt: extendedReceived,
    status: 'in_progress',
    extendedDueAt: new Date('2026-04-05T21:59:59.999Z'),
    extensionReason: 'Your data is spread over several archived systems.',
  });
  const sent = access.seed({
    subjectId,
    receivedAt: new Date('2025-11-20T08:00:00Z'),
    status: 'fulfilled',
    history: [
      { status: 'received', reason: null, actor: `customer:${subjectId}`, at: new Date('2025-11-20T08:00:00Z') },
      { status: 'fulfilled', reason: null, actor: 'system:copy', at: new Date('2025-12-01T10:00:00Z') },
    ],
    copy: { createdAt: new Date('2025-12-01T10:00:00Z'), expiresAt: new Date('2026-02-15T10:00:00Z'), sizeBytes: 1234, releasedAt: null, downloads: 1, maxDownloads: 5, deletedAt: null },
  });
  const refused = access.seed({
    subjectId,
    receivedAt: new Date('2025-10-01T07:00:00Z'),
    status: 'rejected',
    blockedReason: 'The same request was answered in full two weeks ago.',
    history: [
      { status: 'received', reason: null, actor: `customer:${subjectId}`, at: new Date('2025-10-01T07:00:00Z') },
      { status: 'rejected', reason: 'The same request was answered in full two weeks ago.', actor: 'agent:dpo', at: new Date('2025-10-03T12:00:00Z') },
    ],
  });
  return { open: open.reference, sent: sent.reference, refused: refused.reference };
}

const WHERE: Record<ShippedLocale, string> = {
  en: 'where is my request?',
  it: 'a che punto è la mia richiesta?',
  de: 'Wie ist der Stand meiner Anfrage?',
  fr: 'Où en est ma demande ?',
  es: '¿En qué punto está mi solicitud?',
  pt: 'Como está a minha solicitação?',
  nl: 'Hoe staat het met mijn verzoek?',
};

describe('case status dialog', function () {
  this.timeout(60_000);
  const world = useConsentWorld();

  it('en: a verified customer sees each request with its reference, type, received, status in plain words, due date, the extension and why, what became of closed ones', async () => {
    const customer = await registerCustomer(world);
    const access = new FakeAccessRequests();
    const refs = seedHistory(access, customer.subjectId);
    const conversation = accessConversation(world, 'en', { access, intents: { [WHERE.en]: 'case.status' }, held: heldBy(customer, 'verified'), localTimezone: 'Europe/Rome' });
    assert.deepEqual(await conversation.say(WHERE.en), [
      [
        'Here are your requests (times in Europe/Rome):',
        `**${refs.open}**: Copy of your data\n- Received: Monday, January 5, 2026 at 10:00 AM GMT+1\n- Status: in progress (we're gathering your data from our systems)\n- Due by: Thursday, February 5, 2026\n- Extended to Sunday, April 5, 2026. Why: Your data is spread over several archived systems.`,
        `**${refs.sent}**: Copy of your data\n- Received: Thursday, November 20, 2025 at 9:00 AM GMT+1\n- Status: completed (your copy has been sent to you)\n- The download link was sent to you on Monday, December 1, 2025 at 11:00 AM GMT+1; it works until Sunday, February 15, 2026.`,
        `**${refs.refused}**: Copy of your data\n- Received: Wednesday, October 1, 2025 at 9:00 AM GMT+2\n- Status: refused\n- Refused on Friday, October 3, 2025 at 2:00 PM GMT+2. Why: The same request was answered in full two weeks ago.\n- If you disagree, you have the right to complain to the data protection authority.`,
      ].join('\n\n'),
    ]);
  });

  it('it: a blocked case reads as in progress, not as a failure; an expired link says how to get a new copy', async () => {
    const customer = await registerCustomer(world);
    const access = new FakeAccessRequests();
    const open = access.seed({ subjectId: customer.subjectId, receivedAt: new Date('2026-01-20T08:30:00Z'), status: 'blocked', blockedReason: 'crm: timeout' });
    const old = access.seed({
      subjectId: customer.subjectId,
      receivedAt: new Date('2025-11-02T08:00:00Z'),
      status: 'fulfilled',
      history: [{ status: 'fulfilled', reason: null, actor: 'system:copy', at: new Date('2025-11-10T09:00:00Z') }],
      copy: { createdAt: new Date('2025-11-10T09:00:00Z'), expiresAt: new Date('2025-12-10T09:00:00Z'), sizeBytes: 10, releasedAt: null, downloads: 0, maxDownloads: 5, deletedAt: new Date('2025-12-10T09:05:00Z') },
    });
    const conversation = accessConversation(world, 'it', { access, intents: { [WHERE.it]: 'case.status' }, held: heldBy(customer, 'verified'), localTimezone: 'Europe/Rome' });
    const [reply] = await conversation.say(WHERE.it);
    assert.equal(
      reply,
      [
        'Ecco le sue richieste (orari in Europe/Rome):',
        `**${open.reference}**: Copia dei suoi dati\n- Ricevuta: martedì 20 gennaio 2026 alle ore 09:30 CET\n- Stato: in lavorazione (uno dei nostri sistemi sta impiegando più tempo del solito; ce ne stiamo occupando)\n- Scadenza: venerdì 20 febbraio 2026`,
        `**${old.reference}**: Copia dei suoi dati\n- Ricevuta: domenica 2 novembre 2025 alle ore 09:00 CET\n- Stato: completata (la copia le è stata inviata)\n- Il link per scaricarla le è stato inviato lunedì 10 novembre 2025 alle ore 10:00 CET ed è ormai scaduto. Per avere una nuova copia, me la chieda di nuovo.`,
      ].join('\n\n'),
    );
    assert.ok(!reply.includes('crm'), 'the privacy team’s reason for a blocked case is not the customer’s business');
  });

  for (const locale of SHIPPED_LOCALES) {
    it(`${locale}: no request: says so and offers to start one, that button first`, async () => {
      const customer = await registerCustomer(world);
      const t = world.dialogs.translations.for(locale);
      const conversation = accessConversation(world, locale, { access: new FakeAccessRequests(), intents: { [WHERE[locale]]: 'case.status' }, held: heldBy(customer, 'verified') });
      const [reply] = await conversation.sayForActivities(WHERE[locale]);
      assert.equal(reply.text, t.t('access.caseStatus.none', { label: t.t('menu.dataCopy') }));
      assert.equal(actionTitles(reply)[0], t.t('menu.dataCopy'));
    });
  }

  it('en: a reference typed in a sentence (lower case, spaces) is routed here with no intent, and shows that case only', async () => {
    const customer = await registerCustomer(world);
    const access = new FakeAccessRequests();
    const refs = seedHistory(access, customer.subjectId);
    const typed = `hi, any news on ${refs.sent.toLowerCase().replace(/-/g, ' ')}?`;
    const conversation = accessConversation(world, 'en', { access, held: heldBy(customer, 'verified'), localTimezone: 'Europe/Rome' });
    const [reply] = await conversation.say(typed);
    assert.ok(reply.startsWith(`Here's your request (times in Europe/Rome):\n\n**${refs.sent}**: Copy of your data`), reply);
    assert.ok(!reply.includes(refs.open) && !reply.includes(refs.refused), 'only the case asked about');
  });

  for (const locale of SHIPPED_LOCALES) {
    it(`${locale}: someone else's reference gets the very answer an unknown one gets`, async () => {
      const customer = await registerCustomer(world);
      const other = await registerCustomer(world);
      const t = readTexts(world.dialogs.translations, locale);
      const access = new FakeAccessRequests();
      const theirs = seedHistory(access, other.subjectId).open;
      const unknown = access.seed({ subjectId: 'nobody' }).reference;
      access.cases.pop();
      const conversation = accessConversation(world, locale, { access, held: heldBy(customer, 'verified') });
      assert.deepEqual(await conversation.say(theirs), [t.t('access.caseStatus.notFound', { reference: theirs })]);
      assert.deepEqual(await conversation.say(unknown), [t.t('access.caseStatus.notFound', { reference: unknown })]);
      assert.equal(t.t('access.caseStatus.notFound', { reference: theirs }).replace(theirs, 'X'), t.t('access.caseStatus.notFound', { reference: unknown }).replace(unknown, 'X'));
    });
  }

  for (const locale of SHIPPED_LOCALES) {
    it(`${locale}: a reference typed in an unverified session reveals nothing: who are you, then a code; the case is not even looked up`, async () => {
      const owner = await registerCustomer(world);
      const t = readTexts(world.dialogs.translations, locale);
      const access = new FakeAccessRequests();
      const reference = seedHistory(access, owner.subjectId).open;
      const codes = openCodeWorld(world.ledger, world.dialogs.translations);
      const conversation = accessConversation(world, locale, { access, codes: codes.codes });
      assert.deepEqual(await conversation.say(reference), [t.t('identity.prompt')]);
      assert.deepEqual(await conversation.say('stranger.not.on.file@example.com'), [t.t('identity.noted', { identifier: 's***@example.com' }), t.t('identityCode.sent.email', { masked: 's***@example.com', count: 10 })]);
      assert.deepEqual(access.finds, [], 'nothing looked up for an unverified session');
    });
  }

  it('it: a reference that does not check out is said, and every request of the customer is shown', async () => {
    const customer = await registerCustomer(world);
    const access = new FakeAccessRequests();
    const open = access.seed({ subjectId: customer.subjectId, receivedAt: new Date('2026-01-20T08:30:00Z') });
    const typed = 'a che punto è la PRV-2026-000123?';
    const conversation = accessConversation(world, 'it', { access, intents: { [typed]: 'case.status' }, held: heldBy(customer, 'verified'), localTimezone: 'Europe/Rome' });
    const [reply] = await conversation.say(typed);
    assert.ok(reply.startsWith('Quel riferimento non sembra corretto: forse una lettera o una cifra è sbagliata. Ecco comunque cosa risulta per lei.\n\nEcco la sua richiesta (orari in Europe/Rome):'), reply);
    assert.ok(reply.includes(open.reference));
  });
});
