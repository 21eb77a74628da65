/**
 * What each kind of surge customer says and what the bot must answer, turn by turn (bench/surge.ts). Every
 * expected reply is built from locales/en/messages.json, so a changed sentence changes the expectation, not the
 * bench. A turn ends when its known number of replies has arrived, each the one expected (in order, each a reply
 * to the turn's message); anything else is an error. These paths were walked by hand first, over our Direct
 * Line, with `NODE_ENV=production`:
 *
 * - welcome: the conversation starts → the welcome with the menu.
 * - withdraw: "What did I agree to?" → who are you? → the email on file → noted + a code was sent (the mail is
 *   read from the SMTP sink) → the code → verified + the consents card → "Stop texting me offers" → "Stop offers
 *   by SMS; keep email?" → "Yes" → "Done…" with the receipt. (Withdrawing alone needs only an identified
 *   customer, so the code comes from asking to see the consents first, as a customer who wants to look before
 *   choosing does.)
 * - status: "Where is my request?" → who are you? → the email → noted + code sent → the code → verified + the
 *   case (the reference of the request seeded for the customer).
 * - concern: "I want to report a privacy concern" → intro + what is it about? → "How you use my data" → what
 *   happened? → an account → when? → "last week" → which data? → "my email address and phone number" → a reply?
 *   → "Yes, please" → how to reach you? → the email → noted + received, with the concern's reference.
 */
import type { Translator } from '../src/i18n/translator';
import { maskIdentifier, normalizeIdentifier } from '../src/ledger/subjects/identifiers';
import type { FlowKind, SurgeCustomer } from './surge-customers';
import type { DirectLineActivity } from './surge-direct-line';

const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';
/** Stands for any text in a rendered sentence (a time, a scope, a reference). */
const ANY = '\u0001any\u0001';

/** What a flow learned from the replies (the ledger is checked against it afterwards). */
export interface FlowFacts {
  /** A one-time code arrived by mail and was accepted ("right code"). */
  verified: boolean;
  /** The bot said "Done" to the withdrawal. */
  withdrawalConfirmed: boolean;
  /** The case status showed the customer's own request. */
  caseShown: boolean;
  /** The reference the bot gave for the reported concern. */
  concernReference?: string;
  /** The code read from the mail, typed at the next turn. */
  code?: string;
}

/** One reply a turn must bring. */
export interface ExpectedReply {
  /** For error reports: what was awaited (a message key, never the customer's words). */
  readonly name: string;
  /** Whether the activity is this reply; may note facts (a reference). */
  accepts(activity: DirectLineActivity, facts: FlowFacts): boolean;
}

/** One turn: what the customer says (none for the conversation's start) and the replies it brings, in order. */
export interface FlowStep {
  /** For the per-step latencies: "code → consents card". */
  readonly name: string;
  readonly say?: (customer: SurgeCustomer, facts: FlowFacts) => string;
  readonly replies: (customer: SurgeCustomer) => readonly ExpectedReply[];
  /** A mail with a one-time code goes to the customer's address during this turn. */
  readonly sendsCode?: boolean;
}

export type Flows = Readonly<Record<FlowKind, readonly FlowStep[]>>;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The masked address the bot shows ("c***@example.com"): the identity service's own normalising and masking. */
const maskEmail = (email: string): string => maskIdentifier(normalizeIdentifier('email', email));

function exactly(name: string, text: string): ExpectedReply {
  return { name, accepts: (activity) => activity.text === text };
}

function startingWith(name: string, text: string): ExpectedReply {
  return { name, accepts: (activity) => typeof activity.text === 'string' && activity.text.startsWith(text) };
}

/** The sentence `key` with `vars`, ANY standing for any text, read from the start of the reply; `note` sees the parts ANY matched. */
function sentence(t: Translator, key: string, vars: Record<string, unknown>, note?: (parts: string[], facts: FlowFacts) => boolean): ExpectedReply {
  const pattern = new RegExp(`^${escapeRegExp(t.t(key, vars)).split(escapeRegExp(ANY)).join('([\\s\\S]+?)')}`);
  return {
    name: key,
    accepts: (activity, facts) => {
      const match = pattern.exec(activity.text ?? '');
      return match !== null && (note ? note(match.slice(1), facts) : true);
    },
  };
}

/** The steps of every flow, in English (the customers' browsers say en-US). */
export function surgeFlows(t: Translator): Flows {
  const welcome: FlowStep = { name: 'start → welcome', replies: () => [startingWith('bot.welcome', t.t('bot.welcome'))] };
  const identifier = (asked: string): FlowStep => ({
    name: `email → code sent (${asked})`,
    say: (customer) => customer.email,
    replies: (customer) => [exactly('identity.noted', t.t('identity.noted', { identifier: maskEmail(customer.email) })), exactly('identityCode.sent.email', t.t('identityCode.sent.email', { masked: maskEmail(customer.email), count: 10 }))],
    sendsCode: true,
  });
  const verified: ExpectedReply = {
    name: 'identityCode.verified',
    accepts: (activity, facts) => {
      facts.verified = activity.text === t.t('identityCode.verified');
      return facts.verified;
    },
  };
  /** The case status, naming the request seeded for the customer. */
  const lead = sentence(t, 'access.caseStatus.lead', { count: 1, zone: ANY });
  const caseOf = (customer: SurgeCustomer): ExpectedReply => ({
    name: 'access.caseStatus.lead with the customer\'s reference',
    accepts: (activity, facts) => {
      facts.caseShown = customer.requestReference !== undefined && (activity.text ?? '').includes(customer.requestReference) && lead.accepts(activity, facts);
      return facts.caseShown;
    },
  });
  // Customers type a code as they read it: "123456" or "123 456".
  const typeCode = (customer: SurgeCustomer, facts: FlowFacts): string => (customer.index % 2 === 0 ? (facts.code ?? '') : `${facts.code?.slice(0, 3) ?? ''} ${facts.code?.slice(3) ?? ''}`);

  return {
    welcome: [welcome],
    withdraw: [
      welcome,
      { name: '"What did I agree to?" → who are you?', say: () => 'What did I agree to?', replies: () => [exactly('identity.prompt', t.t('identity.prompt'))] },
      identifier('consents'),
      {
        name: 'code → consents card',
        say: typeCode,
        replies: () => [
          verified,
          {
            name: 'consent overview card',
            accepts: (activity) => (activity.attachments ?? []).some((attachment) => attachment.contentType === ADAPTIVE_CARD && JSON.stringify(attachment.content).includes(t.t('consent.overview.title'))),
          },
        ],
      },
      { name: '"Stop texting me offers" → confirm?', say: () => 'Stop texting me offers', replies: () => [sentence(t, 'consent.confirm.withdrawKeep', { scope: ANY, kept: ANY })] },
      {
        name: '"Yes" → done (ledger write)',
        say: () => t.t('consent.confirm.yes'),
        replies: () => [
          sentence(t, 'consent.done.withdrawn', { time: ANY, scope: ANY }, (_, facts) => {
            facts.withdrawalConfirmed = true;
            return true;
          }),
        ],
      },
    ],
    status: [
      welcome,
      { name: '"Where is my request?" → who are you?', say: () => 'Where is my request?', replies: () => [exactly('identity.prompt', t.t('identity.prompt'))] },
      identifier('status'),
      {
        name: 'code → case status',
        say: typeCode,
        replies: (customer) => [verified, caseOf(customer)],
      },
    ],
    concern: [
      welcome,
      { name: '"report a concern" → topic?', say: () => 'I want to report a privacy concern', replies: () => [exactly('concern.intro + concern.ask.topic', `${t.t('concern.intro')}\n\n${t.t('concern.ask.topic')}`)] },
      { name: 'topic → what happened?', say: () => t.t('concern.topic.use'), replies: () => [exactly('concern.ask.description', t.t('concern.ask.description'))] },
      { name: 'account → when?', say: () => 'You sent my details to a marketing company without asking me first', replies: () => [exactly('concern.ask.when', t.t('concern.ask.when'))] },
      { name: 'when → which data?', say: () => 'last week', replies: () => [sentence(t, 'concern.ask.data', { examples: ANY })] },
      { name: 'data → reply wanted?', say: () => 'my email address and phone number', replies: () => [exactly('concern.ask.reply', t.t('concern.ask.reply'))] },
      { name: '"Yes, please" → contact?', say: () => t.t('concern.reply.yes'), replies: () => [exactly('concern.ask.contact', t.t('concern.ask.contact'))] },
      {
        name: 'email → reference (ledger write)',
        say: (customer) => customer.email,
        replies: (customer) => [
          exactly('identity.noted', t.t('identity.noted', { identifier: maskEmail(customer.email) })),
          sentence(t, 'concern.received', { reference: ANY }, ([reference], facts) => {
            facts.concernReference = reference;
            return /^[A-Z]{3}-\d{4}-[0-9A-Z]+-[0-9A-Z]$/.test(reference);
          }),
        ],
      },
    ],
  };
}
