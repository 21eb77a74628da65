import type { ContactChannel } from '../../privacy/identity/contact-messenger';
import type { MessageTransport, OutgoingMessage } from './message-transport';

/** A message as the outbox shows it (`GET /dev/outbox`). */
export interface OutboxEntry {
  readonly channel: ContactChannel;
  readonly to: string;
  /** Empty for an SMS. */
  readonly subject: string;
  readonly text: string;
  /** ISO 8601. */
  readonly sentAt: string;
}

/**
 * The development stand-in for a mail server and an SMS provider: messages are kept in this
 * process's memory, newest last, at most `capacity` (the oldest are dropped), and shown at
 * `GET /dev/outbox` so a demo works with no server at all. Never used in production (the
 * configuration refuses it there).
 */
export class MessageOutbox {
  private readonly entries: OutboxEntry[] = [];

  constructor(
    /** Most messages kept. */
    readonly capacity: number,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('the outbox keeps at least one message');
  }

  add(channel: ContactChannel, message: OutgoingMessage): OutboxEntry {
    const entry: OutboxEntry = Object.freeze({ channel, to: message.to, subject: channel === 'sms' ? '' : message.subject, text: message.text, sentAt: this.now().toISOString() });
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    return entry;
  }

  /** Every kept message, oldest first. */
  list(): readonly OutboxEntry[] {
    return [...this.entries];
  }

  /** A transport of `channel` that keeps its messages here. */
  transport(channel: ContactChannel): MessageTransport {
    return {
      channel,
      kind: 'outbox',
      description: 'outbox (in memory, GET /dev/outbox)',
      send: async (message) => {
        this.add(channel, message);
      },
      close: async () => undefined,
    };
  }
}
