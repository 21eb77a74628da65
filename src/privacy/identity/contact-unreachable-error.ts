import { AppError } from '../../errors/app-error';
import type { ContactChannel } from './contact-messenger';

/**
 * The message to the contact on file could not be handed to its transport (the SMTP server or the
 * SMS provider refused it, timed out or is down). Carries the channel only: never the address,
 * the number or the message, so it may be logged as it is.
 */
export class ContactUnreachableError extends AppError {
  constructor(
    readonly channel: ContactChannel,
    options?: { cause?: unknown },
  ) {
    super('PSB_CONTACT_UNREACHABLE', `the ${channel === 'email' ? 'email' : 'SMS'} transport failed; the contact on file was not reached`, { channel }, options);
  }
}
