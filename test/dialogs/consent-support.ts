import { Activity } from 'botbuilder';
import { MenuEntry, availableMenu } from '../../dialogs/menu';
import { SessionAssurance } from '../../src/bot/session-types';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import { ShippedLocale } from '../../src/i18n/shipped-locales';
import type { ConsentEvent } from '../../src/ledger/consent/consent-types';
import { Ledger, openLedger } from '../../src/ledger/ledger';
import { ReceiptService } from '../../src/ledger/receipts/receipt-service';
import { loadController } from '../../src/privacy/receipts/controller';
import { loadReceiptSigningKey } from '../../src/privacy/receipts/receipt-key';
import { ReceiptSigner } from '../../src/privacy/receipts/receipt-signer';
import { ConsentScopeRecognizer } from '../../src/nlu/consent-scope-recognizer';
import { YesNoRecognizer } from '../../src/nlu/yes-no';
import { IntentName } from '../../src/nlu/intents';
import { ConsentSelfService } from '../../src/privacy/consent/consent-self-service';
import { WithdrawalNotifier } from '../../src/privacy/consent/withdrawal-notice';
import { RecordingContactMessenger } from '../support/recording-contact-messenger';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { LogCapture } from '../support/test-app';
import { IdentityService } from '../../src/privacy/identity/identity-service';
import type { OneTimeCodes } from '../../src/privacy/identity/one-time-code-types';
import { ACTIVITY_LOCALE, DialogWorld, FakeRecognizer, loadWorld } from './dialog-harness';
import { FeatureConversation } from './feature-conversation';
import { featureDialogs } from './feature-dialogs';
import { channelAuthenticated, teamsActivity } from './teams-sender';

export const PUBLIC_BASE_URL = 'https://privacy.example.com';

/** A ledger in memory with the real receipt service, recognizers and consent self-service. */
export interface ConsentWorld {
  readonly dialogs: DialogWorld;
  readonly ledger: Ledger;
  readonly consents: ConsentSelfService;
  readonly receipts: ReceiptService;
  readonly scope: ConsentScopeRecognizer;
  readonly yesNo: YesNoRecognizer;
  /** Where withdrawal notices to the contact on file go (recorded, not sent). */
  readonly messenger: RecordingContactMessenger;
  close(): Promise<void>;
}

export async function openConsentWorld(): Promise<ConsentWorld> {
  const dialogs = await loadWorld();
  const ledger = await openLedger({ ledgerDir: 'memory://', hashKey: 'consent-dialog-test-key-0123456789' });
  const signingKey = loadReceiptSigningKey({ NODE_ENV: 'test' });
  const receipts = new ReceiptService({ db: ledger.db, catalog: ledger.catalog, signer: new ReceiptSigner(signingKey), controller: loadController(), publicBaseUrl: PUBLIC_BASE_URL });
  const messenger = new RecordingContactMessenger(ledger.subjects);
  const notices = new WithdrawalNotifier({ messenger, translations: dialogs.translations, catalog: ledger.catalog, controller: loadController(), db: ledger.db, logger: new LogCapture().logger });
  const consents = new ConsentSelfService({ db: ledger.db, catalog: ledger.catalog, consent: ledger.consent, subjects: ledger.subjects, receipts, notices });
  return {
    dialogs,
    ledger,
    consents,
    receipts,
    scope: ConsentScopeRecognizer.load(ledger.catalog),
    yesNo: YesNoRecognizer.load(),
    messenger,
    close: () => ledger.close(),
  };
}

/**
 * Registers, in the calling `describe`, a ConsentWorld opened before its tests and closed after them
 * (heavy hooks: HEAVY_HOOK_TIMEOUT_MS). The world returned reads the open one, so use it inside tests
 * and hooks, not while the suite is being declared; the `after` hook closes it, not the test.
 */
export function useConsentWorld(): ConsentWorld {
  let opened: ConsentWorld | undefined;
  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    opened = await openConsentWorld();
  });
  after(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await opened?.close();
  });
  const open = (): ConsentWorld => {
    if (!opened) throw new Error('the consent world is not open yet: use it inside a test or a hook, after useConsentWorld’s before');
    return opened;
  };
  return {
    get dialogs() {
      return open().dialogs;
    },
    get ledger() {
      return open().ledger;
    },
    get consents() {
      return open().consents;
    },
    get receipts() {
      return open().receipts;
    },
    get scope() {
      return open().scope;
    },
    get yesNo() {
      return open().yesNo;
    },
    get messenger() {
      return open().messenger;
    },
    close: () => open().close(),
  };
}

let customers = 0;

/** A customer on file with the consents a company import would give them (offers by email and SMS, the newsletter). */
export interface TestCustomer {
  readonly subjectId: string;
  readonly email: string;
  readonly masked: string;
  /** Their consent events so far (for "exactly these new events" checks). */
  readonly seeded: number;
}

export const SEEDED_AT = new Date('2026-03-15T10:30:00Z');

export async function registerCustomer(world: ConsentWorld, teamsUser?: string): Promise<TestCustomer> {
  customers += 1;
  const email = `customer.${customers}.${process.pid}@example.com`;
  const identifiers = [{ kind: 'email' as const, value: email }, ...(teamsUser ? [{ kind: 'aad_object_id' as const, value: teamsUser }] : [])];
  const subject = await world.ledger.subjects.register({ identifiers, regime: 'gdpr', preferredLocale: 'en' }, { actor: 'system:test', reason: 'test customer' });
  const changes = [
    { purposeId: 'marketing_offers', channel: 'email' as const, state: 'given' as const },
    { purposeId: 'marketing_offers', channel: 'sms' as const, state: 'given' as const },
    { purposeId: 'newsletter', channel: 'email' as const, state: 'given' as const },
  ];
  await world.ledger.consent.record(subject.id, changes, { collectionMethod: 'import', language: 'en', occurredAt: SEEDED_AT, evidence: { file: 'crm.csv' } }, { actor: 'system:import', reason: 'test seed' });
  return { subjectId: subject.id, email, masked: `c***@example.com`, seeded: changes.length };
}

/** The events recorded for `customer` after the seed: what a conversation added. */
export async function newEvents(world: ConsentWorld, customer: TestCustomer): Promise<ConsentEvent[]> {
  return (await world.ledger.consent.history(customer.subjectId)).slice(customer.seeded);
}

export interface ConsentConversation {
  /** Sends a message; resolves with what the customer reads of each reply (text, or a card's text fallback). */
  say(text: string): Promise<string[]>;
  sayForActivities(text: string): Promise<Partial<Activity>[]>;
  send(activity: Partial<Activity>): Promise<string[]>;
  readonly hub: MemoryHandoffHub;
  /** Turns the customer has sent. */
  readonly turns: number;
  /** What the session holds of who the customer is (conversation state). */
  readonly assurance: SessionAssurance | undefined;
}

let conversations = 0;

/**
 * What the customer reads of a reply: its text, or its card's text fallback; ICU's narrow no-break
 * spaces ("10:30\u202fAM") as plain spaces for the tables.
 */
function readable(activity: Partial<Activity>): string {
  const card = activity.attachments?.[0]?.content as { fallbackText?: string } | undefined;
  return (activity.text || card?.fallbackText || '').replace(/[\u202f\u00a0]/g, ' ');
}

/** The real main dialog with the consent dialogs, the real gate (identity against the ledger) and a fake classifier. */
export function consentConversation(
  world: ConsentWorld,
  locale: ShippedLocale,
  options: {
    intents: Readonly<Record<string, IntentName>>;
    held?: SessionAssurance;
    menu?: readonly MenuEntry[];
    localTimezone?: string;
    /** A signed-in Teams user in a 1:1 chat, channel-authenticated: verified when the account is linked. */
    teamsUser?: string;
    /** One-time codes: the gate offers them first for `verified` (the code prompt reads "talk to a person" with `intents`). */
    codes?: OneTimeCodes;
  },
): ConsentConversation {
  conversations += 1;
  const menu = options.menu ?? availableMenu();
  const hub = new MemoryHandoffHub({ timeoutSeconds: 300 });
  const identity = new IdentityService({ subjects: world.ledger.subjects, verifications: world.ledger.verifications });
  const feature = featureDialogs({ identity, hub, menu, consents: world.consents, ...(options.codes ? { codes: options.codes, codeIntents: new FakeRecognizer(options.intents) } : {}) });
  feature.assuranceState.value = options.held;
  const conversation = new FeatureConversation(world.dialogs, {
    activityLocale: ACTIVITY_LOCALE[locale],
    dialogs: feature.dialogs,
    menu,
    intents: options.intents,
    activity: options.teamsUser
      ? teamsActivity(options.teamsUser, 'personal')
      : {
          conversation: { id: `consent-test-${process.pid}-${conversations}`, isGroup: false, conversationType: 'personal', name: '' },
          ...(options.localTimezone ? { localTimezone: options.localTimezone } : {}),
        },
    ...(options.teamsUser ? { channelId: 'msteams', middleware: [channelAuthenticated] } : {}),
  });
  let turns = 0;
  return {
    hub,
    get turns() {
      return turns;
    },
    get assurance() {
      return feature.assuranceState.value;
    },
    say: async (text) => {
      turns += 1;
      return (await conversation.sendForActivities({ type: 'message', text })).map(readable);
    },
    sayForActivities: async (text) => {
      turns += 1;
      return conversation.sendForActivities({ type: 'message', text });
    },
    send: async (activity) => (await conversation.sendForActivities(activity)).map(readable),
  };
}

/** A session that already matched `customer` (the identity dialog ran earlier). */
export function heldBy(customer: TestCustomer, level: 'identified' | 'verified'): SessionAssurance {
  return { level, method: level === 'verified' ? 'agent_check' : 'claimed_identifier', claim: { kind: 'email', masked: customer.masked, subjectId: customer.subjectId } };
}
