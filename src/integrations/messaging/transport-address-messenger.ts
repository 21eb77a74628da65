import type { Logger } from '../../log/logger';
import type { AddressMessenger, GivenAddress } from '../../privacy/identity/address-messenger';
import type { ContactMessage } from '../../privacy/identity/contact-messenger';
import { ContactUnreachableError } from '../../privacy/identity/contact-unreachable-error';
import { MessageNotSentError } from './message-not-sent-error';
import type { MessageTransports } from './message-transport';

/**
 * `AddressMessenger` over the email and SMS transports: the address is handed to the transport of its
 * channel as it is. Logs the channel, the transport and its failure code, never the address or text.
 */
export class TransportAddressMessenger implements AddressMessenger {
  private readonly logger: Logger;

  constructor(
    private readonly transports: MessageTransports,
    logger: Logger,
  ) {
    this.logger = logger.child({ module: 'address-messenger' });
  }

  async sendTo(destination: GivenAddress, message: ContactMessage): Promise<void> {
    const transport = this.transports[destination.channel];
    const text = destination.channel === 'sms' ? (message.smsText ?? message.text) : message.text;
    try {
      await transport.send({ to: destination.address, subject: message.subject, text });
    } catch (err) {
      const facts = err instanceof MessageNotSentError ? { reason: err.failure.reason, status: err.failure.status } : { reason: 'unexpected', err };
      this.logger.warn({ channel: destination.channel, transport: transport.kind, ...facts }, 'message to a given address not sent');
      throw new ContactUnreachableError(destination.channel, err instanceof MessageNotSentError ? { cause: err } : undefined);
    }
    this.logger.info({ channel: destination.channel, transport: transport.kind }, 'message sent to a given address');
  }
}
