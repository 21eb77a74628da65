/**
 * The customers' inboxes during a surge (bench/surge.ts): a customer about to receive a one-time code asks for
 * its next mail before the message that triggers it is posted; the SMTP sink's mail to that address goes to it.
 * Other mail (a notice to the contact on file, an acknowledgement) is counted and dropped.
 */
import type { CapturedMail, SmtpSink } from './smtp-sink';

export class MailBox {
  /** Mails handed to a waiting customer. */
  claimed = 0;
  /** Mails nobody was waiting for. */
  unclaimed = 0;
  private readonly waiting = new Map<string, (text: string | undefined) => void>();

  constructor(sink: SmtpSink) {
    sink.onMail((mail) => this.deliver(mail));
  }

  /** The next mail's text to `address` (lower-cased), or undefined when none comes within `timeoutMs`. */
  read(address: string, timeoutMs: number): { readonly mail: Promise<string | undefined> } {
    const key = address.toLowerCase();
    const mail = new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => {
        if (this.waiting.get(key) === done) this.waiting.delete(key);
        resolve(undefined);
      }, timeoutMs);
      const done = (text: string | undefined): void => {
        clearTimeout(timer);
        resolve(text);
      };
      this.waiting.set(key, done);
    });
    return { mail };
  }

  private deliver(mail: CapturedMail): void {
    for (const address of mail.to) {
      const waiter = this.waiting.get(address);
      if (waiter) {
        this.waiting.delete(address);
        this.claimed += 1;
        waiter(mail.text);
      } else {
        this.unclaimed += 1;
      }
    }
  }
}
