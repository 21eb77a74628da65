import type { IdentifierKind } from '../../ledger/subjects/identifiers';

/** How a message reaches a customer's contact on file. */
export type ContactChannel = 'email' | 'sms';

/** A message for the contact on file, already in the customer's language (sentences come from locales/). */
export interface ContactMessage {
  readonly subject: string;
  readonly text: string;
  /** A shorter text for an SMS (no subject line there); `text` is sent when absent. */
  readonly smsText?: string;
}

/** Where a message went, as the customer may be told it: "o***@example.com", "the phone ending 67". */
export interface ContactDelivery {
  readonly channel: ContactChannel;
  /** The masked destination (never the address or number itself). */
  readonly masked: string;
}

/**
 * Sends messages to the contact **on file** for a subject — never to an address a customer typed
 * that is not on file. `preferKind`: the kind of identifier the customer gave (email → the email
 * on file, phone → the phone on file; a customer number → email first, then phone). Resolves
 * undefined when the subject has no contact on file. Rejects with a `ContactUnreachableError`
 * (messaging errors) when the transport is down; the error carries no address.
 */
export interface ContactMessenger {
  sendToContactOnFile(subjectId: string, preferKind: IdentifierKind | undefined, message: ContactMessage): Promise<ContactDelivery | undefined>;
}
