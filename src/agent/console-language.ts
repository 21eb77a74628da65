import type { IncomingMessage } from 'node:http';
import { pageLanguage } from '../channels/webchat/page-language';
import { matchShippedLocale, ShippedLocale } from '../i18n/shipped-locales';
import type { CookieSecureMode } from './agent-console-config';
import { readCookie, secureFlag, SESSION_COOKIE_PATH } from './session-cookie';

/** The cookie keeping the language an agent chose with the console's switcher. */
export const LANGUAGE_COOKIE = 'psb_console_lang';
/** The query parameter the switcher's links carry (`/agent?lang=it`). */
export const LANGUAGE_PARAM = 'lang';
/** A choice is kept a year: the same person on the same machine. */
const LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600;

/** The language the switcher asked for in this request (`?lang=`), when we ship it. */
export function chosenLanguage(req: IncomingMessage): ShippedLocale | undefined {
  const value = new URL(req.url ?? '/', 'http://localhost').searchParams.get(LANGUAGE_PARAM);
  return matchShippedLocale(value);
}

/**
 * The console's language for a page request: the switcher's choice in this request, else the one
 * kept in its cookie, else the browser's (`Accept-Language`), else `fallback`.
 */
export function consoleLanguage(req: IncomingMessage, fallback: ShippedLocale): ShippedLocale {
  return chosenLanguage(req) ?? matchShippedLocale(readCookie(req, LANGUAGE_COOKIE)) ?? pageLanguage(req.headers['accept-language'], fallback);
}

/** `Set-Cookie` keeping a switcher choice: under /agent only, no script reads it, no other site sends it. */
export function languageCookie(req: IncomingMessage, locale: ShippedLocale, mode: CookieSecureMode): string {
  return [`${LANGUAGE_COOKIE}=${locale}`, `Path=${SESSION_COOKIE_PATH}`, `Max-Age=${LANGUAGE_COOKIE_SECONDS}`, 'HttpOnly', 'SameSite=Strict', ...(secureFlag(req, mode) ? ['Secure'] : [])].join('; ');
}
