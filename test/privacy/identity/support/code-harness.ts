import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { MessageNotSentError } from '../../../../src/integrations/messaging/message-not-sent-error';
import { MessageOutbox, OutboxEntry } from '../../../../src/integrations/messaging/message-outbox';
import type { MessageTransport, MessageTransports } from '../../../../src/integrations/messaging/message-transport';
import { TransportContactMessenger } from '../../../../src/integrations/messaging/transport-contact-messenger';
import { Translations } from '../../../../src/i18n/translator';
import type { Ledger } from '../../../../src/ledger/ledger';
import { createLogger, Logger } from '../../../../src/log/logger';
import { IdentityService } from '../../../../src/privacy/identity/identity-service';
import type { IdentityClaim } from '../../../../src/privacy/identity/identity-service';
import type { ClaimedIdentifierKind } from '../../../../src/privacy/identity/claimed-identifier';
import { MemoryOneTimeCodeStore } from '../../../../src/privacy/identity/memory-one-time-code-store';
import { codeMessageComposer } from '../../../../src/privacy/identity/one-time-code-message';
import { OneTimeCodeService } from '../../../../src/privacy/identity/one-time-code-service';
import type { OneTimeCodeStore } from '../../../../src/privacy/identity/one-time-code-store';
import type { CodeConversation } from '../../../../src/privacy/identity/one-time-code-types';

/** The company named in code messages (config/controller.json). */
export const COMPANY = 'Example Shop S.p.A.';

/** Log lines written through a logger of the real (redacting) kind. */
export class CapturedLogs {
  readonly lines: string[] = [];
  readonly logger: Logger;

  constructor() {
    const lines = this.lines;
    this.logger = createLogger({
      level: 'debug',
      destination: new Writable({
        write(chunk: Buffer, _encoding, callback) {
          lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          callback();
        },
      }),
    });
  }

  get text(): string {
    return this.lines.join('\n');
  }
}

/** A transport of `channel` that is down: the server refuses the connection. */
export function downTransport(channel: 'email' | 'sms'): MessageTransport {
  return {
    channel,
    kind: channel === 'email' ? 'smtp' : 'http',
    description: 'down',
    send: async () => {
      throw new MessageNotSentError(channel, channel === 'email' ? 'smtp' : 'http', { reason: 'ECONNREFUSED' });
    },
    close: async () => undefined,
  };
}

/** Transports that can be switched down and up again, over the outbox. */
export class SwitchableTransports implements MessageTransports {
  down = false;
  readonly email: MessageTransport;
  readonly sms: MessageTransport;

  constructor(outbox: MessageOutbox) {
    const switched = (channel: 'email' | 'sms'): MessageTransport => {
      const up = outbox.transport(channel);
      const broken = downTransport(channel);
      return { channel, kind: 'outbox', description: 'switchable', send: (message) => (this.down ? broken.send(message) : up.send(message)), close: async () => undefined };
    };
    this.email = switched('email');
    this.sms = switched('sms');
  }
}

export interface CodeHarness {
  readonly codes: OneTimeCodeService;
  readonly identity: IdentityService;
  readonly outbox: MessageOutbox;
  readonly transports: SwitchableTransports;
  readonly logs: CapturedLogs;
  /** The claim IdentityService makes of what a customer typed. */
  claim(kind: ClaimedIdentifierKind, value: string): Promise<IdentityClaim>;
  /** Messages in the outbox to `to`, oldest first. */
  sentTo(to: string): OutboxEntry[];
  /** The 6-digit code in the latest message to `to`. */
  latestCode(to: string): string;
}

let translations: Promise<Translations> | undefined;

/** The real service over `ledger`, with the outbox as both transports and `store` (a fresh in-process store by default). */
export async function openCodeHarness(ledger: Ledger, now: () => Date, options: { store?: OneTimeCodeStore; key?: Buffer } = {}): Promise<CodeHarness> {
  translations ??= Translations.load();
  const logs = new CapturedLogs();
  const outbox = new MessageOutbox(500, now);
  const transports = new SwitchableTransports(outbox);
  const codes = new OneTimeCodeService({
    store: options.store ?? new MemoryOneTimeCodeStore(),
    messenger: new TransportContactMessenger({ subjects: ledger.subjects, transports, logger: logs.logger }),
    verifications: ledger.verifications,
    key: options.key ?? randomBytes(32),
    composeMessage: codeMessageComposer({ translations: await translations, company: COMPANY, defaultLocale: 'en' }),
    logger: logs.logger,
    now,
  });
  const identity = new IdentityService({ subjects: ledger.subjects, verifications: ledger.verifications, claimKeyOf: codes.claimKeyOf });
  const sentTo = (to: string): OutboxEntry[] => outbox.list().filter((entry) => entry.to === to);
  return {
    codes,
    identity,
    outbox,
    transports,
    logs,
    claim: async (kind, value) => {
      const result = await identity.identify(kind, value);
      if (result.status !== 'claimed') throw new Error(`not an identifier: ${kind}`);
      return result.claim;
    },
    sentTo,
    latestCode: (to) => {
      const last = sentTo(to).at(-1);
      const code = last && /\b(\d{6})\b/.exec(last.text)?.[1];
      if (!code) throw new Error(`no code was sent to ${to}`);
      return code;
    },
  };
}

let conversationCounter = 0;

/** A conversation of its own (Web Chat, English unless told). */
export function newConversation(locale = 'en', channel = 'webchat'): CodeConversation {
  conversationCounter += 1;
  return { conversationKey: `${channel}:conv-${process.pid}-${conversationCounter}-${randomBytes(3).toString('hex')}`, channel, locale };
}

let personCounter = 0;

/** A unique email and phone for a new person (Italian mobile numbers, valid for libphonenumber). */
export function newPerson(): { email: string; phone: string; customerNumber: string } {
  personCounter += 1;
  const n = (process.pid * 1000 + personCounter) % 10_000_000;
  return {
    email: `person-${process.pid}-${personCounter}-${randomBytes(3).toString('hex')}@example.com`,
    phone: `+39347${String(n).padStart(7, '0')}`,
    customerNumber: `CUST-${String(n).padStart(7, '0')}`,
  };
}
