import assert from 'node:assert/strict';
import { Activity } from 'botbuilder';
import { CASE_REFERENCE_ROUTE } from '../../dialogs/case-status-dialog';
import { IncidentDialog } from '../../dialogs/incident-dialog';
import { availableMenu, menuActivity } from '../../dialogs/menu';
import { IncidentConversation, IncidentTopic } from '../../src/bot/incident-topic';
import { SessionAssurance } from '../../src/bot/session-types';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import { SHIPPED_LOCALES, ShippedLocale } from '../../src/i18n/shipped-locales';
import type { Translator } from '../../src/i18n/translator';
import { IdentityService } from '../../src/privacy/identity/identity-service';
import { IncidentQuestionMatcher } from '../../src/nlu/incident-question-matcher';
import { IntentName } from '../../src/nlu/intents';
import type { IncidentNoticeText } from '../../src/privacy/concerns/concern-types';
import { PublishedNoticeCache } from '../../src/privacy/concerns/published-notice-cache';
import { IncidentSubjectNotices } from '../../src/ledger/concerns/incident-subject-notices';
import { LogCapture } from '../support/test-app';
import { LedgerIncidentReads, NOTICE_EN, NOTICE_IT, SeededIncident, affect, seedIncident, withdraw } from '../privacy/concerns/incident-support';
import { readable } from './customer-conversation';
import { CodeWorld, openCodeWorld } from './code-support';
import { TestCustomer, heldBy, registerCustomer, useConsentWorld } from './consent-support';
import { ACTIVITY_LOCALE, actionTitles, plainSpaces, readTexts } from './dialog-harness';
import { FeatureConversation } from './feature-conversation';
import { MemoryAccessor, featureDialogs } from './feature-dialogs';

/**
 * Incident mode in chat, over the real ledger (incident records, affected subjects, the identity
 * and one-time codes of the assurance gate): the published notice answered before the classifier in
 * every shipped language, "was my data affected?" only for the verified person, and a person asked
 * for about the incident queued as an `incident` handoff.
 */

const MENU = availableMenu();

/** The notice as the privacy team wrote it in each language (en and it are the shared fixtures). */
const NOTICES: Readonly<Record<ShippedLocale, IncidentNoticeText>> = {
  en: NOTICE_EN,
  it: NOTICE_IT,
  de: {
    whatHappened: 'Am 2. März hat sich jemand mit einem gestohlenen Passwort Zugang zu einem unserer Bestellsysteme verschafft.',
    whatData: 'Namen, E-Mail-Adressen und Bestellhistorie. Keine Zahlungskartendaten.',
    whatWeDo: 'Wir haben das Konto gesperrt, alle Passwörter zurückgesetzt und die Datenschutzbehörde informiert.',
    whatYouShouldDo: 'Seien Sie vorsichtig bei E-Mails, die nach Ihrem Passwort fragen: Wir fragen nie danach.',
  },
  fr: {
    whatHappened: "Le 2 mars, quelqu'un s'est introduit dans l'un de nos systèmes de commandes à l'aide d'un mot de passe volé.",
    whatData: 'Des noms, des adresses e-mail et des historiques de commandes. Aucune donnée de carte de paiement.',
    whatWeDo: 'Nous avons bloqué le compte, réinitialisé tous les mots de passe et informé la CNIL.',
    whatYouShouldDo: 'Méfiez-vous des e-mails qui vous demandent votre mot de passe : nous ne le demandons jamais.',
  },
  es: {
    whatHappened: 'El 2 de marzo alguien entró en uno de nuestros sistemas de pedidos con una contraseña robada.',
    whatData: 'Nombres, direcciones de correo electrónico e historial de pedidos. Ningún dato de tarjetas de pago.',
    whatWeDo: 'Bloqueamos la cuenta, restablecimos todas las contraseñas e informamos a la autoridad de protección de datos.',
    whatYouShouldDo: 'Tenga cuidado con los correos que le pidan su contraseña: nosotros nunca se la pedimos.',
  },
  pt: {
    whatHappened: 'Em 2 de março, alguém entrou em um dos nossos sistemas de pedidos usando uma senha roubada.',
    whatData: 'Nomes, endereços de e-mail e histórico de pedidos. Nenhum dado de cartão de pagamento.',
    whatWeDo: 'Bloqueamos a conta, redefinimos todas as senhas e informamos a autoridade de proteção de dados.',
    whatYouShouldDo: 'Tenha cuidado com e-mails que pedem a sua senha: nós nunca pedimos.',
  },
  nl: {
    whatHappened: 'Op 2 maart is iemand met een gestolen wachtwoord binnengedrongen in een van onze bestelsystemen.',
    whatData: 'Namen, e-mailadressen en bestelgeschiedenis. Geen betaalkaartgegevens.',
    whatWeDo: 'Wij hebben het account geblokkeerd, alle wachtwoorden opnieuw ingesteld en de Autoriteit Persoonsgegevens ingelicht.',
    whatYouShouldDo: 'Wees voorzichtig met e-mails die om uw wachtwoord vragen: wij vragen er nooit om.',
  },
};

/** The notice in a language's words: the lead, the sections under their headings, the way on. */
function noticeFromCatalog(t: Translator, text: IncidentNoticeText): string {
  const section = (key: keyof IncidentNoticeText): string => `**${t.t(`incident.notice.heading.${key}`)}**\n${text[key]}`;
  return [
    t.t('incident.notice.lead'),
    [section('whatHappened'), section('whatData'), section('whatWeDo'), section('whatYouShouldDo')].join('\n\n'),
    t.t('incident.notice.closing', { affected: ASK_AFFECTED[t.locale], person: PERSON[t.locale] }),
  ].join('\n\n');
}

/** What the customer reads of the notice, in their language (the notice text may be another one); written out for en and it. */
function noticeReply(t: Translator, text: IncidentNoticeText): string {
  if (t.locale === 'en') {
    return [
      'Here is what we can tell you about the recent security incident:',
      `**What happened**\n${text.whatHappened}\n\n**What data is involved**\n${text.whatData}\n\n**What we are doing**\n${text.whatWeDo}\n\n**What you should do**\n${text.whatYouShouldDo}`,
      'To find out whether your own data was affected, choose “Was my data affected?”. To talk to someone from our team, choose “Talk to a person”.',
    ].join('\n\n');
  }
  if (t.locale === 'it') {
    return [
      'Ecco cosa possiamo dirle sul recente incidente di sicurezza:',
      `**Cosa è successo**\n${text.whatHappened}\n\n**Quali dati sono coinvolti**\n${text.whatData}\n\n**Cosa stiamo facendo**\n${text.whatWeDo}\n\n**Cosa le consigliamo di fare**\n${text.whatYouShouldDo}`,
      'Per sapere se i suoi dati sono stati coinvolti, scelga “I miei dati sono stati coinvolti?”. Per parlare con un collega del nostro team, scelga “Parla con un operatore”.',
    ].join('\n\n');
  }
  return noticeFromCatalog(t, text);
}

/** The note before a notice shown in English (in Italian for an English reader). */
const fallbackToEnglish = (t: Translator): string => t.t('incident.notice.fallbackNote', { language: 'English' });
const FALLBACK_NOTE: Record<ShippedLocale, (t: Translator) => string> = {
  en: () => "This notice isn't available in your language yet, so here it is in the language we published it in (Italiano).",
  it: () => "Questo avviso non è ancora disponibile nella sua lingua: glielo mostro nella lingua in cui l'abbiamo pubblicato (English).",
  de: fallbackToEnglish,
  fr: fallbackToEnglish,
  es: fallbackToEnglish,
  pt: fallbackToEnglish,
  nl: fallbackToEnglish,
};

/** A question the notice answers, as a customer types it. */
const ASK_WHAT: Record<ShippedLocale, string> = {
  en: 'What happened?',
  it: 'Cosa è successo?',
  de: 'Was ist passiert?',
  fr: "Qu'est-ce qui s'est passé ?",
  es: '¿Qué ha pasado?',
  pt: 'O que aconteceu?',
  nl: 'Wat is er gebeurd?',
};
/** The "was my data affected?" button (checked against the locale files). */
const ASK_AFFECTED: Record<ShippedLocale, string> = {
  en: 'Was my data affected?',
  it: 'I miei dati sono stati coinvolti?',
  de: 'Sind meine Daten betroffen?',
  fr: 'Mes données sont-elles concernées ?',
  es: '¿Se han visto afectados mis datos?',
  pt: 'Meus dados foram afetados?',
  nl: 'Zijn mijn gegevens getroffen?',
};
/** The menu's "talk to a person" button. */
const PERSON: Record<ShippedLocale, string> = {
  en: 'Talk to a person',
  it: 'Parla con un operatore',
  de: 'Mit einem Menschen sprechen',
  fr: 'Parler à une personne',
  es: 'Hablar con una persona',
  pt: 'Falar com uma pessoa',
  nl: 'Met een medewerker praten',
};

const affectedFromCatalog = (t: Translator): string =>
  [t.t('incident.affected.yes'), `**${t.t('incident.notice.heading.whatYouShouldDo')}**\n${NOTICES[t.locale].whatYouShouldDo}`, t.t('incident.affected.person', { person: PERSON[t.locale] })].join('\n\n');
const YES: Record<ShippedLocale, (t: Translator) => string> = {
  en: () =>
    `I've checked: yes, your data is among the data affected by this incident. We're very sorry. We're also writing to you at the contact details we hold for you.\n\n**What you should do**\n${NOTICE_EN.whatYouShouldDo}\n\nIf you'd like to talk it through with someone from our team, choose “Talk to a person”.`,
  it: () =>
    `Ho verificato: sì, i suoi dati sono tra quelli coinvolti in questo incidente. Ci dispiace molto. Le scriveremo anche ai recapiti che abbiamo per lei.\n\n**Cosa le consigliamo di fare**\n${NOTICE_IT.whatYouShouldDo}\n\nSe desidera parlarne con un collega del nostro team, scelga “Parla con un operatore”.`,
  de: affectedFromCatalog,
  fr: affectedFromCatalog,
  es: affectedFromCatalog,
  pt: affectedFromCatalog,
  nl: affectedFromCatalog,
};
const notAffectedFromCatalog = (t: Translator): string => [t.t('incident.affected.no'), t.t('incident.affected.person', { person: PERSON[t.locale] })].join('\n\n');
const NO: Record<ShippedLocale, (t: Translator) => string> = {
  en: () =>
    "I've checked: no, your data is not among the data affected by this incident, as far as we know today. You don't need to do anything. If that changes, we'll let you know.\n\nIf you'd like to talk it through with someone from our team, choose “Talk to a person”.",
  it: () =>
    'Ho verificato: no, i suoi dati non sono tra quelli coinvolti in questo incidente, per quanto ne sappiamo oggi. Non deve fare nulla. Se la situazione dovesse cambiare, glielo faremo sapere.\n\nSe desidera parlarne con un collega del nostro team, scelga “Parla con un operatore”.',
  de: notAffectedFromCatalog,
  fr: notAffectedFromCatalog,
  es: notAffectedFromCatalog,
  pt: notAffectedFromCatalog,
  nl: notAffectedFromCatalog,
};

let conversations = 0;

interface IncidentChat {
  say(text: string): Promise<string[]>;
  sayForActivities(text: string): Promise<Partial<Activity>[]>;
  readonly hub: MemoryHandoffHub;
}

describe('incident mode in chat', function () {
  const world = useConsentWorld();
  let reads: LedgerIncidentReads;
  let outbox: IncidentSubjectNotices;
  let questions: IncidentQuestionMatcher;
  let incident: SeededIncident | undefined;
  let affected: TestCustomer;
  let unaffected: TestCustomer;

  before(async () => {
    reads = new LedgerIncidentReads(world.ledger);
    outbox = new IncidentSubjectNotices(world.ledger.db);
    questions = IncidentQuestionMatcher.load();
    affected = await registerCustomer(world);
    unaffected = await registerCustomer(world);
  });

  /** Publishes a notice with `texts` (the previous one withdrawn) and makes `affected` its only affected person. */
  async function published(texts: Readonly<Record<string, IncidentNoticeText>>): Promise<SeededIncident> {
    incident = await seedIncident(world.ledger, { texts, published: true });
    await affect(world.ledger, outbox, incident, [affected.subjectId]);
    return incident;
  }

  async function nonePublished(): Promise<void> {
    if (incident) await withdraw(world.ledger, incident);
  }

  /** The real main dialog with the app's text routes (incident first), the real gate and identity, a fake classifier. */
  function chat(locale: ShippedLocale, options: { intents?: Readonly<Record<string, IntentName>>; held?: SessionAssurance; codes?: CodeWorld; cache?: PublishedNoticeCache; concerns?: Pick<LedgerIncidentReads, 'isAffected'>; logs?: LogCapture } = {}): IncidentChat {
    conversations += 1;
    const logs = options.logs ?? new LogCapture();
    const hub = new MemoryHandoffHub({ timeoutSeconds: 300 });
    const notices = options.cache ?? new PublishedNoticeCache({ source: reads, logger: logs.logger });
    const topic = new MemoryAccessor<IncidentTopic>();
    const incidentConversation = new IncidentConversation({ topic, notices, questions });
    const identity = new IdentityService({ subjects: world.ledger.subjects, verifications: world.ledger.verifications });
    const feature = featureDialogs({ identity, hub, menu: MENU, consents: world.consents, handoffReasonOf: incidentConversation.reasonOf, ...(options.codes ? { codes: options.codes.codes } : {}) });
    feature.assuranceState.value = options.held;
    const incidentDialog = new IncidentDialog({ notices, questions, concerns: options.concerns ?? reads, assurance: feature.assurance, conversation: incidentConversation, gate: feature.gate, menu: MENU, defaultLocale: 'en', logger: logs.logger });
    const conversation = new FeatureConversation(world.dialogs, {
      activityLocale: ACTIVITY_LOCALE[locale],
      dialogs: [...feature.dialogs, incidentDialog],
      menu: MENU,
      intents: options.intents ?? {},
      textRoutes: [incidentDialog.route, CASE_REFERENCE_ROUTE],
      activity: { conversation: { id: `incident-test-${process.pid}-${conversations}`, isGroup: false, conversationType: 'personal', name: '' } },
    });
    const sayForActivities = (text: string) => conversation.sendForActivities({ type: 'message', text });
    return { hub, sayForActivities, say: async (text) => (await sayForActivities(text)).map(readable) };
  }

  for (const locale of SHIPPED_LOCALES) {
    describe(`in ${locale}`, () => {
      let t: Translator;
      before(() => {
        t = readTexts(world.dialogs.translations, locale);
      });

      it('answers a question about the published incident from the notice, before the classifier, with the check and a person to follow', async () => {
        await published(NOTICES);
        // The classifier would start the data copy: the notice comes first.
        const c = chat(locale, { intents: { [ASK_WHAT[locale]]: 'data.copy' } });
        const [reply, ...more] = await c.sayForActivities(ASK_WHAT[locale]);
        assert.deepEqual(more, []);
        assert.equal(plainSpaces(String(reply.text)), noticeReply(t, NOTICES[locale]));
        const titles = actionTitles(reply).map(plainSpaces);
        assert.deepEqual(titles.slice(0, 2), [ASK_AFFECTED[locale], PERSON[locale]]);
        assert.deepEqual(new Set(titles.slice(2)), new Set(MENU.map((entry) => t.t(entry.labelKey)).filter((label) => label !== PERSON[locale])));
      });

      it('a notice missing the customer’s language comes in the default language, with a note saying so', async () => {
        const other = locale === 'en' ? 'it' : 'en';
        const only = NOTICES[other];
        await published({ [other]: only });
        const replies = await chat(locale).say(ASK_WHAT[locale]);
        // English is the default; an English customer with an Italian-only notice gets the notice's only language.
        assert.deepEqual(replies, [`${FALLBACK_NOTE[locale](t)}\n\n${noticeReply(t, only)}`]);
      });

      it('with no notice published, the same question takes the normal flow', async () => {
        await published(NOTICES);
        await nonePublished();
        assert.deepEqual(await chat(locale).say(ASK_WHAT[locale]), [menuActivity(t, MENU, t.t('bot.fallback')).text]);
      });

      it('"was my data affected?": yes for a verified person who is among the affected, with what to do', async () => {
        await published(NOTICES);
        const replies = await chat(locale, { held: heldBy(affected, 'verified') }).say(ASK_AFFECTED[locale]);
        assert.deepEqual(replies, [YES[locale](t)]);
      });

      it('"was my data affected?": no for a verified person who is not', async () => {
        await published(NOTICES);
        assert.deepEqual(await chat(locale, { held: heldBy(unaffected, 'verified') }).say(ASK_AFFECTED[locale]), [NO[locale](t)]);
      });
    });
  }

  it('a general question about something else is not taken for the incident', async () => {
    await published({ en: NOTICE_EN, it: NOTICE_IT });
    const t = world.dialogs.translations.for('en');
    assert.deepEqual(await chat('en').say('what happened to my order?'), [menuActivity(t, MENU, t.t('bot.fallback')).text]);
  });

  it('an anonymous customer hears the same whoever they name, and learns the answer only once the code proves it is them', async () => {
    await published({ en: NOTICE_EN, it: NOTICE_IT });
    const t = world.dialogs.translations.for('en');
    const heard = async (email: string): Promise<{ replies: string[]; c: IncidentChat; codes: CodeWorld }> => {
      const codes = openCodeWorld(world.ledger, world.dialogs.translations);
      const c = chat('en', { codes });
      assert.deepEqual(await c.say(ASK_AFFECTED.en), [t.t('incident.affected.intro'), t.t('identity.prompt')]);
      const replies = (await c.say(email)).map((reply) => reply.replace(/\b[a-z]\*\*\*@example\.com\b/g, '<masked>'));
      return { replies, c, codes };
    };
    const ofAffected = await heard(affected.email);
    const ofUnaffected = await heard(unaffected.email);
    const ofNobody = await heard(`nobody.${process.pid}@example.com`);
    assert.deepEqual(ofAffected.replies, ofUnaffected.replies);
    assert.deepEqual(ofAffected.replies, ofNobody.replies);
    assert.ok(ofAffected.replies.every((reply) => !reply.includes("I've checked")), 'nothing about being affected before verification');

    assert.deepEqual(await ofAffected.c.say(ofAffected.codes.latestCodeFor(affected.email)), [t.t('identityCode.verified'), YES.en(t)]);
  });

  it('an identified customer (who only typed an address) is asked for a code, not answered', async () => {
    await published({ en: NOTICE_EN, it: NOTICE_IT });
    const codes = openCodeWorld(world.ledger, world.dialogs.translations);
    const replies = await chat('en', { held: heldBy(affected, 'identified'), codes }).say(ASK_AFFECTED.en);
    assert.equal(replies.length, 2);
    assert.equal(replies[0], world.dialogs.translations.for('en').t('incident.affected.intro'));
    assert.match(replies[1], /^If this matches our records, we've sent a code to/);
  });

  it('a check that fails on our side: a polite apology with a reference to quote, and nothing said about the person', async () => {
    await published({ en: NOTICE_EN, it: NOTICE_IT });
    const logs = new LogCapture();
    const down = { isAffected: async () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })) };
    const [reply, ...more] = await chat('it', { held: heldBy(affected, 'verified'), concerns: down, logs }).say(ASK_AFFECTED.it);
    assert.deepEqual(more, []);
    const errorId = /comunichi questo codice a un nostro operatore: ([0-9a-f]{8})\.$/.exec(reply)?.[1];
    assert.ok(errorId, reply);
    assert.equal(reply, world.dialogs.translations.for('it').t('incident.affected.failed', { errorId }));
    assert.match(logs.text, new RegExp(`"errorId":"${errorId}"`));
    assert.ok(!logs.text.includes(affected.email));
  });

  describe('a person asked for', () => {
    const PERSON_INTENTS: Readonly<Record<string, IntentName>> = { 'talk to a person': 'agent.request', 'I want to talk to a person about the breach': 'agent.request' };

    it('after a question about the incident: an incident handoff, for the surge agents', async () => {
      await published({ en: NOTICE_EN, it: NOTICE_IT });
      const c = chat('en', { intents: PERSON_INTENTS });
      await c.say(ASK_WHAT.en);
      await c.say('talk to a person');
      assert.deepEqual((await c.hub.queue()).map((ticket) => ticket.reason), ['incident']);
    });

    it('naming the incident in the very request: an incident handoff', async () => {
      await published({ en: NOTICE_EN, it: NOTICE_IT });
      const c = chat('en', { intents: PERSON_INTENTS });
      await c.say('I want to talk to a person about the breach');
      assert.deepEqual((await c.hub.queue()).map((ticket) => ticket.reason), ['incident']);
    });

    it('without a word about the incident, or with none published: an ordinary request for a person', async () => {
      await published({ en: NOTICE_EN, it: NOTICE_IT });
      const c = chat('en', { intents: PERSON_INTENTS });
      await c.say('talk to a person');
      assert.deepEqual((await c.hub.queue()).map((ticket) => ticket.reason), ['customer_request']);

      await nonePublished();
      const d = chat('en', { intents: PERSON_INTENTS });
      await d.say('I want to talk to a person about the breach');
      assert.deepEqual((await d.hub.queue()).map((ticket) => ticket.reason), ['customer_request']);
    });
  });

  it('many customers asking within the cache’s 5 s read the ledger once', async () => {
    await published({ en: NOTICE_EN, it: NOTICE_IT });
    const cache = new PublishedNoticeCache({ source: reads, logger: new LogCapture().logger });
    const before = reads.publishedNoticeReads;
    for (let i = 0; i < 20; i += 1) {
      const locale = i % 2 === 0 ? 'en' : 'it';
      assert.equal((await chat(locale, { cache }).say(ASK_WHAT[locale]))[0], noticeReply(world.dialogs.translations.for(locale), NOTICES[locale]));
    }
    assert.equal(reads.publishedNoticeReads - before, 1);
  });
});
