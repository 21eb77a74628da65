import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Request, Response, Server } from 'restify';
import type { ConsoleTexts } from '../i18n/console-texts';
import { ShippedLocale, SHIPPED_LOCALES } from '../i18n/shipped-locales';
import { PROJECT_ROOT } from '../paths';
import type { CookieSecureMode } from './agent-console-config';
import { chosenLanguage, consoleLanguage, languageCookie } from './console-language';
import { ConsolePage } from './console-page';

/** Where the console's page, script and style live. */
export const AGENT_WEB_DIR = path.join(PROJECT_ROOT, 'web', 'agent');

/**
 * The console's policy: our own files and nothing else. No inline script or style, no eval,
 * connections to our origin only (the API and the event stream), frames of our origin only (a copy's
 * report, itself sandboxed), never framed, and Trusted Types
 * required for every DOM sink that parses HTML: the page puts customer text in with `textContent`
 * only, and the browser refuses an `innerHTML` assignment should one ever slip in.
 */
export const AGENT_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  // The Requests view frames a copy's report (served sandboxed from /agent/api/requests/…/preview).
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
});

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

function assetOf(body: Buffer, type: string): Asset {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

function load(file: string, type: string): Asset {
  return assetOf(readFileSync(path.join(AGENT_WEB_DIR, file)), type);
}

export interface AgentPageOptions {
  /** The console's texts: the page is served in one language per request. */
  readonly texts: ConsoleTexts;
  /** The page's language when neither the switcher nor the browser names one we ship. @default 'en' */
  readonly defaultLocale?: ShippedLocale;
  /** `Secure` on the switcher's cookie, as on the session cookie. @default 'auto' */
  readonly cookieSecure?: CookieSecureMode;
}

/**
 * `GET /agent` (the console page, with its CSP, in the agent's language: `?lang=` from the switcher,
 * kept in a cookie, else the browser's `Accept-Language`), its scripts (`/agent/console-kit.js`, shared; `/agent/console.js`,
 * sign-in, customers and access requests; `/agent/concerns.js`; `/agent/incidents.js`), `/agent/console.css`, `/agent/favicon.svg`.
 * Files are read once, and the page rendered once per language, when the group is created; browsers
 * revalidate them (304 when unchanged; each language has its own ETag).
 */
export function agentPageRoutes(options: AgentPageOptions): (server: Server) => void {
  const template = new ConsolePage(path.join(AGENT_WEB_DIR, 'index.html'), options.texts);
  const pages = new Map<ShippedLocale, Asset>(SHIPPED_LOCALES.map((locale) => [locale, assetOf(Buffer.from(template.render(locale), 'utf8'), 'text/html; charset=utf-8')]));
  const defaultLocale = options.defaultLocale ?? 'en';
  const cookieSecure = options.cookieSecure ?? 'auto';
  const scripts = ['console-kit.js', 'console.js', 'concerns.js', 'incidents.js'].map((file) => ({ file, asset: load(file, 'application/javascript; charset=utf-8') }));
  const style = load('console.css', 'text/css; charset=utf-8');
  const icon = load('favicon.svg', 'image/svg+xml');

  const serve =
    (asset: Asset, extra: Record<string, string>) =>
    async (req: Request, res: Response): Promise<void> => {
      const headers: Record<string, string> = { 'Content-Type': asset.type, 'Cache-Control': 'no-cache', ETag: asset.etag, ...SECURITY_HEADERS, ...extra };
      if (req.headers['if-none-match'] === asset.etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      headers['Content-Length'] = String(asset.body.length);
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : asset.body);
    };

  const html = async (req: Request, res: Response): Promise<void> => {
    const locale = consoleLanguage(req, defaultLocale);
    const chosen = chosenLanguage(req);
    const page = pages.get(locale) ?? (pages.get(defaultLocale) as Asset);
    const headers: Record<string, string> = { 'Content-Security-Policy': AGENT_PAGE_CSP, 'Content-Language': locale, Vary: 'Accept-Language, Cookie' };
    // The switcher's choice is kept: the next visit (and a reload without `?lang=`) opens in it.
    if (chosen) headers['Set-Cookie'] = languageCookie(req, chosen, cookieSecure);
    await serve(page, headers)(req, res);
  };
  return (server: Server) => {
    server.get('/agent', html);
    server.get('/agent/', html);
    server.head('/agent', html);
    for (const { file, asset } of scripts) server.get(`/agent/${file}`, serve(asset, {}));
    server.get('/agent/console.css', serve(style, {}));
    server.get('/agent/favicon.svg', serve(icon, {}));
  };
}
