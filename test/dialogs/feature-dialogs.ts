import { StatePropertyAccessor, TurnContext } from 'botbuilder';
import { Dialog } from 'botbuilder-dialogs';
import { AccessDialogDeps } from '../../dialogs/access-dialog-deps';
import { AssuranceGateDialog } from '../../dialogs/assurance-gate-dialog';
import { TeamsSignInDialog } from '../../dialogs/teams-sign-in-dialog';
import type { TeamsSso } from '../../src/channels/teams/teams-sso';
import { CaseStatusDialog } from '../../dialogs/case-status-dialog';
import { ConcernDialogDeps } from '../../dialogs/concern-dialog-deps';
import { ConcernReportDialog } from '../../dialogs/concern-report-dialog';
import { ConsentChangeDialog } from '../../dialogs/consent-change-dialog';
import { ConsentCheckDialog } from '../../dialogs/consent-check-dialog';
import { DataCopyDialog } from '../../dialogs/data-copy-dialog';
import { ConsentDialogDeps } from '../../dialogs/consent-dialog-deps';
import { HandoffDialog, HandoffDialogDeps, HandoffMode } from '../../dialogs/handoff-dialog';
import { IdentityCodeDialog } from '../../dialogs/identity-code-dialog';
import { IdentityDialog } from '../../dialogs/identity-dialog';
import { MenuEntry, availableMenu } from '../../dialogs/menu';
import { SaleOptOutDialog } from '../../dialogs/sale-opt-out-dialog';
import { CustomerAssurance } from '../../src/bot/customer-assurance';
import { storedConversationOf } from '../../src/bot/proactive-customer-channel';
import { ActiveHandoff, SessionAssurance } from '../../src/bot/session-types';
import type { HandoffHub } from '../../src/handoff/handoff-hub';
import type { TranscriptLine } from '../../src/handoff/handoff-types';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import { AssurancePolicy, loadAssurancePolicy } from '../../src/privacy/assurance/assurance-policy';
import type { IdentityService } from '../../src/privacy/identity/identity-service';
import { loadPurposeCatalog } from '../../src/ledger/purposes/purpose-catalog';
import { CodeReplyRecognizer } from '../../src/nlu/code-reply-recognizer';
import { ConcernTopicRecognizer } from '../../src/nlu/concern-topic-recognizer';
import { OccurredAtRecognizer } from '../../src/nlu/occurred-at-recognizer';
import { ConsentScopeRecognizer } from '../../src/nlu/consent-scope-recognizer';
import type { IntentRecognizer } from '../../src/nlu/intents';
import type { OneTimeCodes } from '../../src/privacy/identity/one-time-code-types';
import { YesNoRecognizer } from '../../src/nlu/yes-no';
import { LogCapture } from '../support/test-app';
import { FakeAccessRequests, TEST_CATEGORIES } from './fake-access-requests';
import { FakeConcerns } from './fake-concerns';

/** A state property of one conversation, kept in memory so a test can read (and preset) it. */
export class MemoryAccessor<T> implements StatePropertyAccessor<T> {
  constructor(public value?: T) {}

  get(context: TurnContext): Promise<T | undefined>;
  get(context: TurnContext, defaultValue: T): Promise<T>;
  async get(_context: TurnContext, defaultValue?: T): Promise<T | undefined> {
    if (this.value === undefined && defaultValue !== undefined) this.value = structuredClone(defaultValue);
    return this.value;
  }

  async set(_context: TurnContext, value: T): Promise<void> {
    this.value = value;
  }

  async delete(): Promise<void> {
    this.value = undefined;
  }
}

const catalog = loadPurposeCatalog();
let recognizers: { scope: ConsentScopeRecognizer; yesNo: YesNoRecognizer } | undefined;
/** Loaded once per test process, as the app loads them once at start. */
let concernReaders: { topics: ConcernTopicRecognizer; dates: OccurredAtRecognizer } | undefined;

/** Consent self-service where nobody is on file (stand-in where the ledger is not the point: NOBODY never gets past the gate). */
export const NO_CONSENTS: ConsentDialogDeps['consents'] = {
  catalog,
  current: async () => [],
  overview: async () => [],
  history: async () => [],
  change: async () => {
    throw new Error('NO_CONSENTS records nothing: use a real ConsentSelfService');
  },
};

/** An identity service that knows nobody (stand-in where the ledger is not the point). */
export const NOBODY: Pick<IdentityService, 'identify' | 'verifyByChannel' | 'verifyBySignedInSite'> = {
  identify: async (kind, value) => ({ status: 'claimed', claim: { kind, masked: `${value.slice(0, 1)}***` } }),
  verifyByChannel: async () => undefined,
  verifyBySignedInSite: async () => undefined,
};

export interface FeatureDialogsOptions {
  identity?: Pick<IdentityService, 'identify' | 'verifyByChannel' | 'verifyBySignedInSite'>;
  hub?: Pick<HandoffHub, 'enqueue' | 'cancel'>;
  mode?: HandoffMode;
  policy?: AssurancePolicy;
  menu?: readonly MenuEntry[];
  /** Lines the conversation "had" before (the real bot records them as they happen). */
  lines?: TranscriptLine[];
  /** @default NO_CONSENTS */
  consents?: ConsentDialogDeps['consents'];
  /** One-time codes: the gate offers them first for `verified`. @default none (a person verifies, as the only way) */
  codes?: OneTimeCodes;
  /** What reads "talk to a person" at the code prompt. @default a recognizer that knows no intent */
  codeIntents?: IntentRecognizer;
  /** Access requests ("a copy of my data", "where is my request?"). @default an empty in-memory fake */
  access?: AccessDialogDeps['access'];
  /** Where the access dialogs log. @default a capture nobody reads */
  logs?: LogCapture;
  /** The access dialogs' clock (has a download link expired?). @default the real one */
  accessNow?: () => Date;
  /** The reason of a handoff the customer asks for (incident mode: `IncidentConversation.reasonOf`). @default 'customer_request' */
  handoffReasonOf?: HandoffDialogDeps['reasonOf'];
  /** Concerns the report dialog records. @default an in-memory fake nobody reads */
  concerns?: ConcernDialogDeps['concerns'];
  /** The report dialog's clock ("yesterday", "tomorrow"). @default the real one */
  concernNow?: () => Date;
  /** Teams SSO (TEAMS_SSO_CONNECTION): the gate offers signing in with Teams first. @default none */
  teamsSso?: TeamsSso;
}

/** A classifier that recognises nothing (stand-in where no answer at the code prompt needs it). */
const NO_INTENTS: IntentRecognizer = { recognize: async () => ({ intent: 'none', score: 1 }) };

/** The dialogs of this feature, wired to in-memory state: what MainDialog needs to serve the menu. */
export interface FeatureDialogs {
  /** For MainDialog: the gate (with the identity dialog inside), the handoff and consent dialogs the menu starts. */
  readonly dialogs: Dialog[];
  /** For a dialog that needs a level: add it as a child. */
  readonly gate: Dialog;
  readonly hub: Pick<HandoffHub, 'enqueue' | 'cancel'>;
  readonly assurance: CustomerAssurance;
  readonly assuranceState: MemoryAccessor<SessionAssurance>;
  readonly handoffState: MemoryAccessor<ActiveHandoff>;
}

export function featureDialogs(options: FeatureDialogsOptions = {}): FeatureDialogs {
  const menu = options.menu ?? availableMenu();
  const hub = options.hub ?? new MemoryHandoffHub({ timeoutSeconds: 300 });
  const assuranceState = new MemoryAccessor<SessionAssurance>();
  const handoffState = new MemoryAccessor<ActiveHandoff>();
  const identity = options.identity ?? NOBODY;
  const assurance = new CustomerAssurance({ state: assuranceState, identity, policy: options.policy ?? loadAssurancePolicy(), teamsSignIn: options.teamsSso !== undefined });
  const handoffDialog = new HandoffDialog({
    mode: options.mode ?? 'builtin',
    hub,
    assurance,
    handoffState,
    recentLines: async () => [...(options.lines ?? [])],
    conversationOf: storedConversationOf,
    menu,
    ...(options.handoffReasonOf ? { reasonOf: options.handoffReasonOf } : {}),
  });
  const codeDialog = options.codes ? new IdentityCodeDialog({ codes: options.codes, replies: CodeReplyRecognizer.load(options.codeIntents ?? NO_INTENTS), assurance }) : undefined;
  const teamsSignIn = options.teamsSso ? new TeamsSignInDialog({ sso: options.teamsSso, assurance }) : undefined;
  const gate = new AssuranceGateDialog({ assurance, menu, identityDialog: new IdentityDialog({ identity, assurance }), handoffDialog, ...(codeDialog ? { codeDialog } : {}), ...(teamsSignIn ? { teamsSignIn } : {}) });
  recognizers ??= { scope: ConsentScopeRecognizer.load(catalog), yesNo: YesNoRecognizer.load() };
  const consentDeps: ConsentDialogDeps = { consents: options.consents ?? NO_CONSENTS, assurance, ...recognizers, gate, menu };
  const consentDialogs = [new ConsentCheckDialog(consentDeps), new ConsentChangeDialog('withdraw', consentDeps), new ConsentChangeDialog('give', consentDeps), new SaleOptOutDialog(consentDeps)];
  const accessDeps: AccessDialogDeps = { access: options.access ?? new FakeAccessRequests(), assurance, yesNo: recognizers.yesNo, gate, menu, logger: (options.logs ?? new LogCapture()).logger, ...(options.accessNow ? { now: options.accessNow } : {}) };
  const accessDialogs = [new DataCopyDialog(accessDeps), new CaseStatusDialog(accessDeps)];
  concernReaders ??= { topics: ConcernTopicRecognizer.load(), dates: new OccurredAtRecognizer() };
  const concernDeps: ConcernDialogDeps = {
    concerns: options.concerns ?? new FakeConcerns(),
    assurance,
    ...concernReaders,
    categories: TEST_CATEGORIES,
    yesNo: recognizers.yesNo,
    gate,
    handoff: handoffDialog,
    menu,
    logger: (options.logs ?? new LogCapture()).logger,
    ...(options.concernNow ? { now: options.concernNow } : {}),
  };
  return { dialogs: [gate, handoffDialog, ...consentDialogs, ...accessDialogs, new ConcernReportDialog(concernDeps)], gate, hub, assurance, assuranceState, handoffState };
}
