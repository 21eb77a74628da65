import type { ContactChannel } from '../../privacy/identity/contact-messenger';

/** One message for one recipient, already written in the customer's language. */
export interface OutgoingMessage {
  /** The email address or E.164 phone number. Personal data: never logged, never put in an error. */
  readonly to: string;
  /** The email's subject (an SMS has none: transports of SMS ignore it). */
  readonly subject: string;
  readonly text: string;
}

/** What carries a channel's messages: a real server, or the development outbox. */
export type TransportKind = 'smtp' | 'http' | 'outbox';

/**
 * Hands messages of one channel (email or SMS) to whatever delivers them. `send` resolves when
 * the server accepted the message and rejects with a `MessageNotSentError` (no address in it)
 * otherwise.
 */
export interface MessageTransport {
  readonly channel: ContactChannel;
  readonly kind: TransportKind;
  /** For the start-up log: scheme, host and port only (never credentials or a path). */
  readonly description: string;
  send(message: OutgoingMessage): Promise<void>;
  /** Releases pooled connections. */
  close(): Promise<void>;
}

/** The transport of each channel. */
export interface MessageTransports {
  readonly email: MessageTransport;
  readonly sms: MessageTransport;
}
