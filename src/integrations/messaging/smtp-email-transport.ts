import { createTransport } from 'nodemailer';
import type { MessageTransport, OutgoingMessage } from './message-transport';
import { MessageNotSentError, SendFailure } from './message-not-sent-error';

export interface SmtpEmailTransportOptions {
  /** nodemailer's connection URL: `smtp://[user:pass@]host[:port]` (STARTTLS when offered) or `smtps://…` (implicit TLS). */
  readonly url: string;
  /** The sender, e.g. `Example Shop Privacy <privacy@example.com>`. */
  readonly from: string;
  /** Longest wait for the connection, the greeting, any reply and the whole send, milliseconds. */
  readonly timeoutMs: number;
  /** scheme://host:port for the log and errors (no credentials). */
  readonly description: string;
}

/** What a nodemailer error says that names nobody: its code and the SMTP reply code. */
function failureOf(err: unknown): SendFailure {
  const facts = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; responseCode?: unknown; name?: unknown };
  const reason = typeof facts.code === 'string' && /^[A-Z_]{2,32}$/.test(facts.code) ? facts.code : facts.name === 'AbortError' || facts.name === 'TimeoutError' ? 'ETIMEDOUT' : 'ESEND';
  return { reason, ...(typeof facts.responseCode === 'number' ? { status: facts.responseCode } : {}) };
}

/**
 * Email through an SMTP server with nodemailer, one connection per message (codes are few and
 * must not wait behind a stuck pooled connection). A refusal or timeout rejects with a
 * `MessageNotSentError` built from the error's code only: nodemailer's own messages quote the
 * recipient ("all recipients were rejected: <x@y>") and are dropped.
 */
export function smtpEmailTransport(options: SmtpEmailTransportOptions): MessageTransport {
  const mailer = createTransport({
    url: options.url,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    // nodemailer logs nothing unless asked: keep it so (its debug output holds addresses).
    logger: false,
    debug: false,
  });
  return {
    channel: 'email',
    kind: 'smtp',
    description: options.description,
    send: async (message: OutgoingMessage) => {
      try {
        await mailer.sendMail({ from: options.from, to: message.to, subject: message.subject, text: message.text, signal: AbortSignal.timeout(options.timeoutMs) });
      } catch (err) {
        throw new MessageNotSentError('email', 'smtp', failureOf(err));
      }
    },
    close: async () => {
      mailer.close();
    },
  };
}
