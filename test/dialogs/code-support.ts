import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { MessageOutbox, OutboxEntry } from '../../src/integrations/messaging/message-outbox';
import { MessageNotSentError } from '../../src/integrations/messaging/message-not-sent-error';
import type { MessageTransport, MessageTransports } from '../../src/integrations/messaging/message-transport';
import { TransportContactMessenger } from '../../src/integrations/messaging/transport-contact-messenger';
import type { Translations } from '../../src/i18n/translator';
import type { Ledger } from '../../src/ledger/ledger';
import type { Verification } from '../../src/ledger/verifications/verification-service';
import { createLogger } from '../../src/log/logger';
import { MemoryOneTimeCodeStore } from '../../src/privacy/identity/memory-one-time-code-store';
import { codeMessageComposer } from '../../src/privacy/identity/one-time-code-message';
import { OneTimeCodeService } from '../../src/privacy/identity/one-time-code-service';
import { loadController } from '../../src/privacy/receipts/controller';

/** Where the code service's clock starts; tests move it forward (a code's 10 minutes pass in no time). */
export const CODE_CLOCK_START = new Date('2026-03-20T09:00:00Z');

/**
 * The real one-time code service over a ledger, with an in-memory store and the development
 * outbox as its email and SMS transports: a test reads the code from the outbox as the customer
 * reads their email. A clock of its own, and the log lines it wrote.
 */
export interface CodeWorld {
  readonly codes: OneTimeCodeService;
  readonly outbox: MessageOutbox;
  /** Every log line the service and the messenger wrote (JSON). */
  readonly logs: string[];
  /** Moves the service's clock forward. */
  advanceMinutes(minutes: number): void;
  /** Messages in the outbox for `to` (an email address or an E.164 number), oldest first. */
  sentTo(to: string): OutboxEntry[];
  /** The code in the latest message to `to`, as the customer reads it there. */
  latestCodeFor(to: string): string;
}

/** A transport that is down: every message is refused (the SMTP server or SMS provider is unreachable). */
function downTransport(channel: 'email' | 'sms'): MessageTransport {
  return {
    channel,
    kind: 'smtp',
    description: 'a transport that is down',
    send: async () => {
      throw new MessageNotSentError(channel, 'smtp', { reason: 'ECONNREFUSED' });
    },
    close: async () => undefined,
  };
}

/** A fresh service (own store: limits start empty) over `ledger`; `transportsDown`: every send fails. */
export function openCodeWorld(ledger: Ledger, translations: Translations, options: { transportsDown?: boolean } = {}): CodeWorld {
  let now = CODE_CLOCK_START.getTime();
  const clock = (): Date => new Date(now);
  const logs: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        callback();
      },
    }),
  });
  const outbox = new MessageOutbox(100, clock);
  const transports: MessageTransports = options.transportsDown ? { email: downTransport('email'), sms: downTransport('sms') } : { email: outbox.transport('email'), sms: outbox.transport('sms') };
  const codes = new OneTimeCodeService({
    store: new MemoryOneTimeCodeStore(),
    messenger: new TransportContactMessenger({ subjects: ledger.subjects, transports, logger }),
    verifications: ledger.verifications,
    key: randomBytes(32),
    composeMessage: codeMessageComposer({ translations, company: loadController().name, defaultLocale: 'en' }),
    logger,
    now: clock,
  });
  const sentTo = (to: string): OutboxEntry[] => outbox.list().filter((entry) => entry.to === to);
  return {
    codes,
    outbox,
    logs,
    advanceMinutes: (minutes) => {
      now += minutes * 60_000;
    },
    sentTo,
    latestCodeFor: (to) => {
      const latest = sentTo(to).at(-1);
      if (!latest) throw new Error(`no message in the outbox for ${to}`);
      const code = /\b(\d{6})\b/.exec(latest.text)?.[1];
      if (!code) throw new Error(`the latest message for ${to} carries no 6-digit code: ${latest.text}`);
      return code;
    },
  };
}

/** A code that is surely not `code` (the next one round the dial). */
export function anotherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

/** "123456" as a customer may type it: "123 456". */
export function spaced(code: string): string {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}

/** The verifications the ledger holds for a subject, as [method, level, outcome, channel]. */
export async function verificationRows(ledger: Ledger, subjectId: string): Promise<[string, string, string, string | undefined][]> {
  return (await ledger.verifications.forSubject(subjectId)).map((v: Verification) => [v.method, v.level, v.outcome, v.channel]);
}
