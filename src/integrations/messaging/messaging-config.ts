import { Env, invalid, read, readInt } from '../../config/env-readers';

/** Email through an SMTP server (nodemailer), or kept in the development outbox. */
export type EmailTransportConfig =
  | { readonly kind: 'outbox'; readonly from: string; readonly description: string }
  | {
      readonly kind: 'smtp';
      /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465` (TLS from the start): nodemailer's URL form. */
      readonly url: string;
      readonly from: string;
      readonly description: string;
    };

/** SMS through a provider's HTTP API (a Twilio-compatible form POST), or kept in the development outbox. */
export type SmsTransportConfig =
  | { readonly kind: 'outbox'; readonly from: string; readonly description: string }
  | {
      readonly kind: 'http';
      /** Where the form (To, From, Body) is POSTed, e.g. https://api.twilio.com/2010-04-01/Accounts/AC…/Messages.json */
      readonly url: string;
      /** Basic auth user (Twilio: the Account SID). */
      readonly accountSid: string;
      /** Basic auth password (Twilio: the Auth Token). */
      readonly authToken: string;
      /** The sender: a phone number in E.164 or an alphanumeric sender id the provider allows. */
      readonly from: string;
      readonly description: string;
    };

/** How the bot reaches customers' contacts on file (one-time codes, notices), read once at start. */
export interface MessagingConfig {
  /** Env `EMAIL_TRANSPORT`, `EMAIL_FROM`. @default the outbox (refused in production) */
  readonly email: EmailTransportConfig;
  /** Env `SMS_TRANSPORT`, `SMS_ACCOUNT_SID`, `SMS_AUTH_TOKEN`, `SMS_FROM`. @default the outbox (refused in production) */
  readonly sms: SmsTransportConfig;
  /** A send that has not been accepted after this many milliseconds failed. Env `MESSAGE_TIMEOUT_MS`. @default 10000 */
  readonly timeoutMs: number;
  /** Most messages the outbox keeps (the oldest go first). Env `MESSAGE_OUTBOX_SIZE`. @default 200 */
  readonly outboxSize: number;
  /** True when either channel uses the outbox: `GET /dev/outbox` is served. */
  readonly usesOutbox: boolean;
  /** Sentences the caller logs once at start. */
  readonly warnings: readonly string[];
}

export const DEFAULT_MESSAGING_CONFIG = Object.freeze({
  timeoutMs: 10_000,
  outboxSize: 200,
  /** Sender shown in the outbox when EMAIL_FROM is unset. */
  outboxEmailFrom: 'privacy-bot@localhost',
  outboxSmsFrom: 'PrivacyBot',
});

/** A sender must fit on one header line: no CR/LF (header injection). */
const ONE_LINE = /^[^\r\n]+$/;

function outboxRefused(variable: string, expected: string): never {
  throw invalid(variable, `set when NODE_ENV=production (${expected}): the outbox only keeps messages in memory and shows them at /dev/outbox, which production does not serve`, '');
}

function parseUrl(variable: string, raw: string, expected: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw invalid(variable, expected, '<unparseable>');
  }
}

function readEmail(env: Env, production: boolean): EmailTransportConfig {
  const expected = 'smtp://[user:password@]host[:port] or smtps://… (nodemailer URL), or "outbox" outside production';
  const raw = read(env, 'EMAIL_TRANSPORT');
  const from = read(env, 'EMAIL_FROM');
  if (from !== undefined && (!ONE_LINE.test(from) || !from.includes('@'))) throw invalid('EMAIL_FROM', 'a sender address on one line, e.g. "Example Shop Privacy <privacy@example.com>"', '<invalid sender>');
  if (raw === undefined || raw.toLowerCase() === 'outbox') {
    if (production) outboxRefused('EMAIL_TRANSPORT', expected);
    return { kind: 'outbox', from: from ?? DEFAULT_MESSAGING_CONFIG.outboxEmailFrom, description: 'outbox (in memory, GET /dev/outbox)' };
  }
  const url = parseUrl('EMAIL_TRANSPORT', raw, expected);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw invalid('EMAIL_TRANSPORT', expected, url.protocol);
  if (url.hostname === '') throw invalid('EMAIL_TRANSPORT', expected, '<no host>');
  if (from === undefined) throw invalid('EMAIL_FROM', 'set when EMAIL_TRANSPORT is set (the sender customers see, e.g. "Example Shop Privacy <privacy@example.com>")', '');
  return { kind: 'smtp', url: url.href, from, description: `${url.protocol}//${url.host}` };
}

function readSms(env: Env, production: boolean): SmsTransportConfig {
  const expected = production ? 'an https:// URL of the provider API (a Twilio-compatible form POST)' : 'an http(s):// URL of the provider API (a Twilio-compatible form POST), or "outbox"';
  const raw = read(env, 'SMS_TRANSPORT');
  const from = read(env, 'SMS_FROM');
  if (from !== undefined && !ONE_LINE.test(from)) throw invalid('SMS_FROM', 'a phone number or sender id on one line', '<invalid sender>');
  if (raw === undefined || raw.toLowerCase() === 'outbox') {
    if (production) outboxRefused('SMS_TRANSPORT', expected);
    return { kind: 'outbox', from: from ?? DEFAULT_MESSAGING_CONFIG.outboxSmsFrom, description: 'outbox (in memory, GET /dev/outbox)' };
  }
  const url = parseUrl('SMS_TRANSPORT', raw, expected);
  // Basic auth travels with every request: in production only over TLS.
  const allowed = production ? ['https:'] : ['https:', 'http:'];
  if (!allowed.includes(url.protocol)) throw invalid('SMS_TRANSPORT', expected, url.protocol);
  // Credentials belong in SMS_ACCOUNT_SID / SMS_AUTH_TOKEN, where they are never logged with the URL.
  if (url.username || url.password) throw invalid('SMS_TRANSPORT', `${expected} without user:password@ (set SMS_ACCOUNT_SID and SMS_AUTH_TOKEN instead)`, '<credentials in URL>');
  const accountSid = read(env, 'SMS_ACCOUNT_SID');
  const authToken = read(env, 'SMS_AUTH_TOKEN');
  if (accountSid === undefined) throw invalid('SMS_ACCOUNT_SID', 'set when SMS_TRANSPORT is set (the basic-auth user of the provider API; Twilio: the Account SID)', '');
  if (authToken === undefined) throw invalid('SMS_AUTH_TOKEN', 'set when SMS_TRANSPORT is set (the basic-auth password of the provider API; Twilio: the Auth Token)', '');
  if (from === undefined) throw invalid('SMS_FROM', 'set when SMS_TRANSPORT is set (the sender number in E.164, e.g. +15005550006, or a sender id)', '');
  return { kind: 'http', url: url.href, accountSid, authToken, from, description: `${url.protocol}//${url.host}` };
}

/**
 * Reads the email and SMS transports; a pure function of `env` (the caller logs `warnings`).
 * Outside production an unset transport is the in-memory outbox; with `NODE_ENV=production`
 * both must be real.
 *
 * @throws AppError `PSB_CONFIG_INVALID` naming the variable.
 */
export function loadMessagingConfig(env: Env = process.env): MessagingConfig {
  const d = DEFAULT_MESSAGING_CONFIG;
  const production = read(env, 'NODE_ENV') === 'production';
  const email = readEmail(env, production);
  const sms = readSms(env, production);
  const usesOutbox = email.kind === 'outbox' || sms.kind === 'outbox';
  const warnings: string[] = [];
  if (usesOutbox) {
    const channels = [email.kind === 'outbox' ? 'email' : '', sms.kind === 'outbox' ? 'SMS' : ''].filter(Boolean).join(' and ');
    warnings.push(`${channels} go to the development outbox (GET /dev/outbox), not to customers: set EMAIL_TRANSPORT and SMS_TRANSPORT to deliver them.`);
  }
  return Object.freeze({
    email: Object.freeze(email),
    sms: Object.freeze(sms),
    timeoutMs: readInt(env, 'MESSAGE_TIMEOUT_MS', d.timeoutMs, 100, 120_000),
    outboxSize: readInt(env, 'MESSAGE_OUTBOX_SIZE', d.outboxSize, 1, 10_000),
    usesOutbox,
    warnings: Object.freeze(warnings),
  });
}
