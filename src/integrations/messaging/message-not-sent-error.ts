import { AppError } from '../../errors/app-error';
import type { ContactChannel } from '../../privacy/identity/contact-messenger';
import type { TransportKind } from './message-transport';

/** Facts about a failed send that help an operator and name nobody. */
export interface SendFailure {
  /** A system or protocol code: ECONNREFUSED, ETIMEDOUT, EAUTH, EENVELOPE, HTTP_401… */
  readonly reason: string;
  /** The SMTP reply code or the provider's HTTP status, when there was an answer. */
  readonly status?: number;
}

/**
 * A transport did not take a message. Built from chosen facts (channel, transport, reason code,
 * status), never from the underlying error, whose message may quote the recipient: this error
 * carries no address, number or text and may be logged whole.
 */
export class MessageNotSentError extends AppError {
  constructor(
    readonly channel: ContactChannel,
    readonly transport: TransportKind,
    readonly failure: SendFailure,
  ) {
    super(
      'PSB_MESSAGE_NOT_SENT',
      `the ${channel} transport (${transport}) did not take the message: ${failure.reason}${failure.status !== undefined ? ` (status ${failure.status})` : ''}`,
      { channel, transport, reason: failure.reason, ...(failure.status !== undefined ? { status: failure.status } : {}) },
    );
  }
}
