import { IdentifierKind, maskIdentifier, NormalizedIdentifier } from '../../ledger/subjects/identifiers';
import type { SubjectService } from '../../ledger/subjects/subject-service';
import type { Logger } from '../../log/logger';
import type { ContactChannel, ContactDelivery, ContactMessage, ContactMessenger } from '../../privacy/identity/contact-messenger';
import { ContactUnreachableError } from '../../privacy/identity/contact-unreachable-error';
import type { MessageTransports } from './message-transport';
import { MessageNotSentError } from './message-not-sent-error';

export interface TransportContactMessengerDeps {
  /** The identifiers on file (the ledger's subjects). */
  readonly subjects: Pick<SubjectService, 'identifiersOf'>;
  readonly transports: MessageTransports;
  readonly logger: Logger;
}

interface Destination {
  readonly channel: ContactChannel;
  readonly identifier: NormalizedIdentifier;
}

/**
 * The destination on file for a claim of `preferKind`: a phone claim goes to the phone on file,
 * anything else (email, customer number) to the email on file; when that kind is not on file,
 * to the other one. Never anything the customer typed: only identifiers of the subject.
 */
export function destinationOnFile(onFile: readonly NormalizedIdentifier[], preferKind: IdentifierKind | undefined): Destination | undefined {
  const email = onFile.find((identifier) => identifier.kind === 'email');
  const phone = onFile.find((identifier) => identifier.kind === 'phone');
  const byEmail = email ? { channel: 'email' as const, identifier: email } : undefined;
  const bySms = phone ? { channel: 'sms' as const, identifier: phone } : undefined;
  return preferKind === 'phone' ? (bySms ?? byEmail) : (byEmail ?? bySms);
}

/**
 * `ContactMessenger` over the email and SMS transports: looks up what is on file for the
 * subject, sends there, and answers with the masked destination. Logs the channel and the
 * transport's failure code, never the address, number or text.
 */
export class TransportContactMessenger implements ContactMessenger {
  private readonly logger: Logger;

  constructor(private readonly deps: TransportContactMessengerDeps) {
    this.logger = deps.logger.child({ module: 'contact-messenger' });
  }

  async sendToContactOnFile(subjectId: string, preferKind: IdentifierKind | undefined, message: ContactMessage): Promise<ContactDelivery | undefined> {
    const destination = destinationOnFile(await this.deps.subjects.identifiersOf(subjectId), preferKind);
    if (!destination) {
      this.logger.info({ preferKind }, 'no email or phone on file for the subject: nothing sent');
      return undefined;
    }
    const transport = this.deps.transports[destination.channel];
    const text = destination.channel === 'sms' ? (message.smsText ?? message.text) : message.text;
    try {
      await transport.send({ to: destination.identifier.value, subject: message.subject, text });
    } catch (err) {
      // A foreign error is logged through the central redaction (its message, which may quote the address, is dropped).
      const facts = err instanceof MessageNotSentError ? { reason: err.failure.reason, status: err.failure.status } : { reason: 'unexpected', err };
      this.logger.warn({ channel: destination.channel, transport: transport.kind, ...facts }, 'message to the contact on file not sent');
      throw new ContactUnreachableError(destination.channel, err instanceof MessageNotSentError ? { cause: err } : undefined);
    }
    this.logger.info({ channel: destination.channel, transport: transport.kind }, 'message sent to the contact on file');
    return { channel: destination.channel, masked: maskIdentifier(destination.identifier) };
  }
}
