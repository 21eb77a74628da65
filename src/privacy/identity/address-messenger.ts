import type { ContactChannel, ContactMessage } from './contact-messenger';

/** An address given for one message, not looked up on file. Personal data: never logged, never put in an error. */
export interface GivenAddress {
  readonly channel: ContactChannel;
  /** The email address or E.164 phone number. */
  readonly address: string;
}

/**
 * Sends a message to an address the caller holds — the DPO's address from the configuration, or the
 * contact a customer typed to be answered about their own report — where `ContactMessenger` only ever
 * writes to the contact on file. Rejects with a `ContactUnreachableError` (no address in it) when the
 * transport does not take the message.
 */
export interface AddressMessenger {
  sendTo(destination: GivenAddress, message: ContactMessage): Promise<void>;
}
