import type { IdentifierKind, NormalizedIdentifier } from '../../src/ledger/subjects/identifiers';
import type { ContactChannel, ContactDelivery, ContactMessage, ContactMessenger } from '../../src/privacy/identity/contact-messenger';

/** One message the recording messenger "sent": to whom (the contact on file it found), and what. */
export interface RecordedContactMessage {
  readonly subjectId: string;
  readonly preferKind: IdentifierKind | undefined;
  readonly channel: ContactChannel;
  /** The address or number on file the message went to. */
  readonly to: string;
  readonly message: ContactMessage;
}

/**
 * A `ContactMessenger` for tests: finds the contact on file in the ledger (as the real one does,
 * from the subject id alone: it is never handed what the customer typed) and records the message
 * instead of sending it. `failing` makes it reject as a transport that is down would.
 */
export class RecordingContactMessenger implements ContactMessenger {
  readonly sent: RecordedContactMessage[] = [];
  /** Set to make every send reject (the transport is down). */
  failing: Error | undefined;
  /** Calls seen, sent or not. */
  calls = 0;
  /** Runs before each send: a test reads the ledger from outside to see what was committed by then. */
  beforeSend: ((subjectId: string) => Promise<void>) | undefined;

  constructor(private readonly subjects: { identifiersOf(subjectId: string): Promise<NormalizedIdentifier[]> }) {}

  async sendToContactOnFile(subjectId: string, preferKind: IdentifierKind | undefined, message: ContactMessage): Promise<ContactDelivery | undefined> {
    this.calls += 1;
    await this.beforeSend?.(subjectId);
    if (this.failing) throw this.failing;
    const identifiers = await this.subjects.identifiersOf(subjectId);
    const email = identifiers.find((identifier) => identifier.kind === 'email');
    const phone = identifiers.find((identifier) => identifier.kind === 'phone');
    const contact = preferKind === 'phone' ? (phone ?? email) : (email ?? phone);
    if (!contact) return undefined;
    const channel: ContactChannel = contact.kind === 'email' ? 'email' : 'sms';
    this.sent.push({ subjectId, preferKind, channel, to: contact.value, message });
    return { channel, masked: channel === 'email' ? `${contact.value.charAt(0)}***${contact.value.slice(contact.value.indexOf('@'))}` : `…${contact.value.slice(-2)}` };
  }

  /** The messages that went to `subjectId`. */
  to(subjectId: string): RecordedContactMessage[] {
    return this.sent.filter((sent) => sent.subjectId === subjectId);
  }
}
