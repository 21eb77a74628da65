import type { Request, Response, Server } from 'restify';
import { PAGE_SECURITY_HEADERS } from '../../channels/webchat/content-security-policy';
import { pageLanguage } from '../../channels/webchat/page-language';
import type { ShippedLocale } from '../../i18n/shipped-locales';
import type { Translations } from '../../i18n/translator';
import type { Logger } from '../../log/logger';
import type { MessageOutbox } from './message-outbox';
import { OUTBOX_CONTENT_SECURITY_POLICY, renderOutboxPage } from './outbox-page';

/** Where the outbox is shown (outside production only). */
export const OUTBOX_PATH = '/dev/outbox';

export interface OutboxRouteDeps {
  readonly outbox: MessageOutbox;
  readonly translations: Translations;
  /** Page language when the browser asks for none we ship. */
  readonly defaultLocale: ShippedLocale;
  readonly logger: Logger;
}

/** Every answer: never cached (it holds codes), never framed or sniffed. */
const COMMON_HEADERS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'X-Robots-Tag': 'noindex, nofollow' } as const;

/** HTML when asked for (`?format=html`, or a browser's `Accept: text/html`), JSON otherwise (`?format=json` forces it). */
function wantsHtml(req: Request): boolean {
  const format = new URL(req.url ?? '/', 'http://localhost').searchParams.get('format');
  if (format === 'json') return false;
  if (format === 'html') return true;
  const accept = req.headers.accept ?? '';
  return /(^|,)\s*text\/html\s*(;|,|$)/i.test(accept);
}

/**
 * `GET /dev/outbox`, as a route group for `ServerDeps.extraRoutes`: the development outbox as a
 * JSON list of `{channel, to, subject, text, sentAt}` (oldest first), or as a page (newest
 * first) with a strict Content-Security-Policy. The app registers it only outside production,
 * and only when a channel uses the outbox: in production the path does not exist (404).
 */
export function outboxRoutes(deps: OutboxRouteDeps): (server: Server) => void {
  const logger = deps.logger.child({ module: 'outbox' });

  const serve = async (req: Request, res: Response): Promise<void> => {
    const entries = deps.outbox.list();
    if (wantsHtml(req)) {
      const locale = pageLanguage(req.headers['accept-language'], deps.defaultLocale);
      const body = Buffer.from(renderOutboxPage(entries, deps.translations.for(locale), OUTBOX_PATH), 'utf8');
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': String(body.length),
        'Content-Language': locale,
        'Content-Security-Policy': OUTBOX_CONTENT_SECURITY_POLICY,
        Vary: 'Accept, Accept-Language',
        ...COMMON_HEADERS,
        ...PAGE_SECURITY_HEADERS,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const body = Buffer.from(JSON.stringify(entries, null, 2), 'utf8');
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(body.length), Vary: 'Accept', ...COMMON_HEADERS });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  return (server: Server) => {
    server.get(OUTBOX_PATH, serve);
    logger.warn({ path: OUTBOX_PATH }, 'development outbox served: messages to customers are shown here instead of being sent');
  };
}
