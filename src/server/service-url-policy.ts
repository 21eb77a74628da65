import { AppError } from '../errors/app-error';
import { Env, invalid, read } from '../config/env-readers';

/**
 * Reads `ALLOWED_SERVICE_URLS`: a comma-separated list of http(s) base URLs (no credentials,
 * query or fragment) the bot may reply to when it runs in production without channel
 * authentication. Each is kept normalised (lower-case host, no trailing slash). Empty: none.
 */
export function readAllowedServiceUrls(env: Env): readonly string[] {
  const raw = read(env, 'ALLOWED_SERVICE_URLS');
  if (raw === undefined) return Object.freeze([]);
  const urls = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const url = parseHttpUrl(entry);
      if (!url || url.username || url.password || url.search || url.hash) {
        throw invalid('ALLOWED_SERVICE_URLS', 'comma-separated http:// or https:// base URLs without credentials, query or fragment', entry);
      }
      return normalise(url);
    });
  return Object.freeze(urls);
}

function parseHttpUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** origin + path without trailing slashes: `https://smba.trafficmanager.net/emea`. */
function normalise(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export interface ServiceUrlPolicyOptions {
  readonly nodeEnv: 'development' | 'production' | 'test';
  /** MicrosoftAppId; empty means the channel's token is not checked. */
  readonly microsoftAppId: string;
  readonly allowedServiceUrls: readonly string[];
}

/**
 * Which hosts the bot may send replies to. With channel authentication, Bot Framework's token
 * vouches for the serviceUrl; in development any URL goes (the Emulator, test stubs). In
 * production without authentication anyone could name any host, so only `ALLOWED_SERVICE_URLS`
 * (an entry itself, or a path below it on the same origin) is accepted.
 */
export class ServiceUrlPolicy {
  readonly restricted: boolean;

  constructor(private readonly options: ServiceUrlPolicyOptions) {
    this.restricted = options.nodeEnv === 'production' && options.microsoftAppId === '';
  }

  allows(serviceUrl: string): boolean {
    if (!this.restricted) return true;
    const url = parseHttpUrl(serviceUrl);
    if (!url) return false;
    const candidate = normalise(url);
    return this.options.allowedServiceUrls.some((allowed) => candidate === allowed || candidate.startsWith(`${allowed}/`));
  }

  /** Throws `PSB_SERVICE_URL_NOT_ALLOWED` for a serviceUrl replies must not go to. */
  assertAllowed(serviceUrl: string): void {
    if (this.allows(serviceUrl)) return;
    throw new AppError('PSB_SERVICE_URL_NOT_ALLOWED', 'this bot replies only to the serviceUrls in ALLOWED_SERVICE_URLS (production without MicrosoftAppId)', { field: 'serviceUrl' });
  }
}
