import type { Redis } from 'ioredis';
import type { Server } from 'restify';
import type { BotOptions } from '../../config/options';
import { isShippedLocale, ShippedLocale } from '../../i18n/shipped-locales';
import type { Translations } from '../../i18n/translator';
import type { NormalizedIdentifier } from '../../ledger/subjects/identifiers';
import type { Ledger } from '../../ledger/ledger';
import type { Logger } from '../../log/logger';
import type { AddressMessenger } from '../../privacy/identity/address-messenger';
import type { ContactMessenger } from '../../privacy/identity/contact-messenger';
import { MemoryOneTimeCodeStore } from '../../privacy/identity/memory-one-time-code-store';
import { codeMessageComposer } from '../../privacy/identity/one-time-code-message';
import { OneTimeCodeRules, OneTimeCodeService } from '../../privacy/identity/one-time-code-service';
import type { OneTimeCodeStore } from '../../privacy/identity/one-time-code-store';
import type { OneTimeCodes } from '../../privacy/identity/one-time-code-types';
import { loadController } from '../../privacy/receipts/controller';
import { createRedisClient, describeRedisUrl, waitForRedis } from '../../state/redis-client';
import { RedisOneTimeCodeStore } from '../../state/redis-one-time-code-store';
import { createMessageTransports } from './create-message-transports';
import type { MessageOutbox } from './message-outbox';
import { outboxRoutes } from './outbox-routes';
import { TransportAddressMessenger } from './transport-address-messenger';
import { TransportContactMessenger } from './transport-contact-messenger';

export interface IdentityCodesDeps {
  /** NODE_ENV, REDIS_URL, REDIS_PREFIX, DEFAULT_LOCALE, the transports (EMAIL_*, SMS_*) and IDENTITY_CODE_KEY. */
  readonly options: Pick<BotOptions, 'nodeEnv' | 'redisUrl' | 'redisPrefix' | 'defaultLocale' | 'messaging' | 'identityCodes'>;
  /** The ledger: identifiers on file, verification records. */
  readonly ledger: Pick<Ledger, 'subjects' | 'verifications'>;
  readonly translations: Translations;
  readonly logger: Logger;
  /** The company named in the code message. @default config/controller.json `name` */
  readonly company?: string;
  /** Tests: other limits or validity. */
  readonly rules?: Partial<OneTimeCodeRules>;
  /** Tests: a fixed clock. @default () => new Date() */
  readonly now?: () => Date;
}

/** What the dialogs and the withdrawal notice use, and what the app registers and closes. */
export interface IdentityCodes {
  /** One-time codes to the contact on file: hand it to the code dialog. */
  readonly codes: OneTimeCodes;
  /** Messages to the contact on file (the withdrawal notice). */
  readonly messenger: ContactMessenger;
  /** Messages to an address given, over the same transports (the DPO alert's email, a reply to a contact a customer typed). */
  readonly addresses: AddressMessenger;
  /** Give it to `IdentityService` (`claimKeyOf`), so claims that match nobody are limited per identifier. */
  readonly claimKeyOf: (identifier: NormalizedIdentifier) => string;
  /** The development outbox, when a channel uses it (never in production). */
  readonly outbox?: MessageOutbox;
  /** `GET /dev/outbox` for `ServerDeps.extraRoutes`, when there is an outbox and NODE_ENV is not production. */
  readonly routes?: (server: Server) => void;
  /** Closes the transports and the Redis connection made here. */
  close(): Promise<void>;
}

/** Logged at start when REDIS_URL is set and IDENTITY_CODE_KEY is not (the key was generated for this process). */
export const CROSS_INSTANCE_KEY_WARNING =
  'one-time codes: REDIS_URL is set but IDENTITY_CODE_KEY is not, so this instance hashes codes with a key of its own: a code sent by one instance will not verify on another, and limits are counted per instance. Set the same IDENTITY_CODE_KEY on every instance.';

interface CodeStoreBackend {
  readonly store: OneTimeCodeStore;
  close(): Promise<void>;
}

async function createCodeStore(options: IdentityCodesDeps['options'], logger: Logger): Promise<CodeStoreBackend> {
  if (!options.redisUrl) {
    logger.warn({ backend: 'in-process' }, 'one-time codes: in-process memory — one instance only; set REDIS_URL for several');
    const store = new MemoryOneTimeCodeStore();
    return { store, close: () => store.close() };
  }
  const client: Redis = createRedisClient(options.redisUrl, logger.child({ module: 'redis', use: 'identity-codes' }));
  await waitForRedis(client);
  const prefix = `${options.redisPrefix}identity-code:`;
  logger.info({ backend: 'redis', redis: describeRedisUrl(options.redisUrl), prefix }, 'one-time codes: Redis');
  // Redis means several instances may share the codes; a key of this process alone makes every
  // code hash, conversation key and limit key differ per instance, so the sharing silently fails.
  if (options.identityCodes.usesEphemeralKey) logger.warn({ backend: 'redis', variable: 'IDENTITY_CODE_KEY' }, CROSS_INSTANCE_KEY_WARNING);
  return {
    store: new RedisOneTimeCodeStore({ client, prefix }),
    close: async () => {
      client.disconnect();
    },
  };
}

/**
 * Wires one-time codes and messages to the contact on file from validated options: the email
 * and SMS transports (or the development outbox), the code store (Redis with REDIS_URL, so
 * codes and limits hold across instances; in process otherwise), the messenger and the code
 * service. Logs which transport each channel uses, without credentials.
 */
export async function createIdentityCodes(deps: IdentityCodesDeps): Promise<IdentityCodes> {
  const logger = deps.logger.child({ module: 'identity-codes' });
  const { options } = deps;
  for (const warning of [...options.identityCodes.warnings, ...options.messaging.warnings]) logger.warn(warning);
  const transports = createMessageTransports(options.messaging, deps.now);
  logger.info(
    { emailTransport: { kind: transports.email.kind, where: transports.email.description }, smsTransport: { kind: transports.sms.kind, where: transports.sms.description } },
    'messages to customers: email and SMS transports',
  );
  const backend = await createCodeStore(options, logger);
  const messenger = new TransportContactMessenger({ subjects: deps.ledger.subjects, transports, logger: deps.logger });
  const defaultLocale: ShippedLocale = isShippedLocale(options.defaultLocale) ? options.defaultLocale : 'en';
  const codes = new OneTimeCodeService({
    store: backend.store,
    messenger,
    verifications: deps.ledger.verifications,
    key: options.identityCodes.key,
    composeMessage: codeMessageComposer({ translations: deps.translations, company: deps.company ?? loadController().name, defaultLocale }),
    logger: deps.logger,
    ...(deps.rules ? { rules: deps.rules } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
  const outbox = transports.outbox;
  const routes = outbox && options.nodeEnv !== 'production' ? outboxRoutes({ outbox, translations: deps.translations, defaultLocale, logger: deps.logger }) : undefined;
  return {
    codes,
    messenger,
    addresses: new TransportAddressMessenger(transports, deps.logger),
    claimKeyOf: codes.claimKeyOf,
    ...(outbox ? { outbox } : {}),
    ...(routes ? { routes } : {}),
    close: async () => {
      await transports.close();
      await backend.close();
    },
  };
}
