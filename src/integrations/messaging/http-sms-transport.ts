import type { MessageTransport, OutgoingMessage } from './message-transport';
import { MessageNotSentError } from './message-not-sent-error';

export interface HttpSmsTransportOptions {
  /** The provider's endpoint, e.g. https://api.twilio.com/2010-04-01/Accounts/<sid>/Messages.json */
  readonly url: string;
  /** Basic auth user and password (Twilio: Account SID and Auth Token). */
  readonly accountSid: string;
  readonly authToken: string;
  /** The sender number (E.164) or sender id. */
  readonly from: string;
  /** Longest wait for the provider's answer, milliseconds. */
  readonly timeoutMs: number;
  /** scheme://host:port for the log and errors. */
  readonly description: string;
}

/** The system code of a failed fetch (ECONNREFUSED, ENOTFOUND…), from its cause. */
function networkReason(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'ETIMEDOUT';
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' && /^[A-Z_]{2,32}$/.test(cause.code) ? cause.code : 'ENETWORK';
}

/**
 * SMS through a provider's HTTP API in Twilio's shape: a form POST of `To`, `From` and `Body`
 * with basic auth; any 2xx is accepted. Anything else (a 4xx/5xx, no answer within the
 * timeout, a closed port) rejects with a `MessageNotSentError` carrying the status or the
 * system code, never the number or the provider's answer (which may echo it).
 */
export function httpSmsTransport(options: HttpSmsTransportOptions): MessageTransport {
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`, 'utf8').toString('base64')}`;
  return {
    channel: 'sms',
    kind: 'http',
    description: options.description,
    send: async (message: OutgoingMessage) => {
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({ To: message.to, From: options.from, Body: message.text }).toString(),
          signal: AbortSignal.timeout(options.timeoutMs),
          redirect: 'error',
        });
      } catch (err) {
        throw new MessageNotSentError('sms', 'http', { reason: networkReason(err) });
      }
      // The answer is read (so the connection is reused) but never kept: it may echo the number.
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new MessageNotSentError('sms', 'http', { reason: `HTTP_${response.status}`, status: response.status });
    },
    close: async () => undefined,
  };
}
