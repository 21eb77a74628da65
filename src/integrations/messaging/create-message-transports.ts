import { httpSmsTransport } from './http-sms-transport';
import { MessageOutbox } from './message-outbox';
import type { MessageTransport, MessageTransports } from './message-transport';
import type { MessagingConfig } from './messaging-config';
import { smtpEmailTransport } from './smtp-email-transport';

/** The transports of both channels, and the outbox when either uses it. */
export interface ConfiguredTransports extends MessageTransports {
  readonly outbox?: MessageOutbox;
  close(): Promise<void>;
}

/** Builds what `MessagingConfig` describes (validated already: production never gets here with an outbox). */
export function createMessageTransports(config: MessagingConfig, now?: () => Date): ConfiguredTransports {
  const outbox = config.usesOutbox ? new MessageOutbox(config.outboxSize, now) : undefined;
  const outboxOf = (channel: 'email' | 'sms'): MessageTransport => {
    if (!outbox) throw new Error(`the ${channel} transport is the outbox but the configuration says none is used`);
    return outbox.transport(channel);
  };
  const email =
    config.email.kind === 'smtp'
      ? smtpEmailTransport({ url: config.email.url, from: config.email.from, timeoutMs: config.timeoutMs, description: config.email.description })
      : outboxOf('email');
  const sms =
    config.sms.kind === 'http'
      ? httpSmsTransport({ url: config.sms.url, accountSid: config.sms.accountSid, authToken: config.sms.authToken, from: config.sms.from, timeoutMs: config.timeoutMs, description: config.sms.description })
      : outboxOf('sms');
  return {
    email,
    sms,
    ...(outbox ? { outbox } : {}),
    close: async () => {
      await Promise.all([email.close(), sms.close()]);
    },
  };
}
