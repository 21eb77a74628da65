import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Request, Response, Server } from 'restify';
import { pageLanguage } from '../../channels/webchat/page-language';
import { isShippedLocale, matchShippedLocale, ShippedLocale } from '../../i18n/shipped-locales';
import type { Translations } from '../../i18n/translator';
import type { DataCopies } from '../../ledger/access/data-copies';
import type { Logger } from '../../log/logger';
import { PROJECT_ROOT } from '../../paths';
import { sendError } from '../send-error';
import { COPY_STYLESHEET_FILE, copyPageContentSecurityPolicy, renderCopyGone, renderCopyNotFound, renderCopyPage } from './copy-download-page';
import { PRIVATE_HEADERS, privatePageStylesheets, sendPrivatePage } from './private-page-http';

export interface CopyDownloadRouteDeps {
  /** The stored copies (the ledger's DataCopies). */
  readonly copies: Pick<DataCopies, 'lookUp' | 'openForDownload'>;
  /** The words of the pages (`copy.page.*`, `languageName.*`). */
  readonly translations: Translations;
  /** Language of a page when neither `?lang`, the browser nor the case names one we ship. */
  readonly defaultLocale: ShippedLocale;
  readonly logger: Logger;
  /** Where the expired page's "Open the chat" link points; empty = no link. @default '/' (the Web Chat page) */
  readonly chatPath?: string;
  /** Folder of `copy.css`. @default `<project>/web/copy` */
  readonly webDir?: string;
}

export const COPY_LINK_PATH = '/copies/:token';

function sendHtml(res: Response, status: number, html: string, locale: ShippedLocale): void {
  // The language follows Accept-Language: caches must keep the versions apart (none should cache anyway).
  sendPrivatePage(res, status, html, { locale, contentSecurityPolicy: copyPageContentSecurityPolicy(), vary: 'Accept-Language' });
}

/**
 * The download of a data copy, as a route group for `ServerDeps.extraRoutes`:
 *
 * - `GET /copies/:token`: a page (no script, strict policy) in the language of `?lang`, else the
 *   browser's, else the case's, with the copy's size, expiry and downloads left, and a Download
 *   button that POSTs. A GET never counts: mail scanners that fetch links use up nothing.
 * - `POST /copies/:token`: counts the download (audited, at most DATA_COPY_MAX_DOWNLOADS) and
 *   streams the ZIP as an attachment (no-store, nosniff).
 * - Either way, a malformed or unknown token gets the same 404 page; an expired or used-up one a
 *   410 page saying how to ask again. An unknown and an expired token are both looked up by their
 *   hash before answering, so they take the same time.
 * - `GET /copies/page-shell.css`, `GET /copies/copy.css`: the pages' stylesheets.
 */
export function copyDownloadRoutes(deps: CopyDownloadRouteDeps): (server: Server) => void {
  const logger = deps.logger.child({ module: 'copy-download' });
  const chatPath = deps.chatPath ?? '/';
  const stylesheets = privatePageStylesheets('/copies', COPY_STYLESHEET_FILE, deps.webDir ?? path.join(PROJECT_ROOT, 'web', 'copy'));
  const languageName = (locale: string): string => deps.translations.for(matchShippedLocale(locale) ?? deps.defaultLocale).t(`languageName.${locale}`);

  /** `?lang` when it names a shipped language, else the browser's choice, else the case's, else the default. */
  const localeOf = (req: Request, caseLocale: string | null | undefined): ShippedLocale => {
    const lang = new URL(req.url ?? '/', 'http://localhost').searchParams.get('lang');
    if (lang && isShippedLocale(lang)) return lang;
    return pageLanguage(req.headers['accept-language'], matchShippedLocale(caseLocale) ?? deps.defaultLocale);
  };
  const tokenOf = (req: Request): string => String((req.params as Record<string, unknown> | undefined)?.token ?? '');

  const refuse = (res: Response, err: unknown): void => {
    for (const [name, value] of Object.entries(PRIVATE_HEADERS)) res.setHeader(name, value);
    sendError(res, err, logger);
  };

  const notFound = (req: Request, res: Response): void => {
    const locale = localeOf(req, undefined);
    sendHtml(res, 404, renderCopyNotFound(deps.translations.for(locale)), locale);
  };

  const gone = (req: Request, res: Response, why: 'expired' | 'exhausted', caseLocale: string | null): void => {
    const locale = localeOf(req, caseLocale);
    sendHtml(res, 410, renderCopyGone(deps.translations.for(locale), why, chatPath), locale);
  };

  const servePage = async (req: Request, res: Response): Promise<void> => {
    try {
      const state = await deps.copies.lookUp(tokenOf(req));
      if (state.kind === 'unknown') return notFound(req, res);
      if (state.kind !== 'ok') return gone(req, res, state.kind, state.locale);
      const locale = localeOf(req, state.locale);
      const html = renderCopyPage(
        { reference: state.reference, sizeBytes: state.sizeBytes, expiresAt: state.expiresAt, downloadsLeft: state.downloadsLeft, timeZone: state.timeZone ?? 'UTC', translator: deps.translations.for(locale) },
        languageName,
      );
      sendHtml(res, 200, html, locale);
    } catch (err) {
      refuse(res, err);
    }
  };

  const serveDownload = async (req: Request, res: Response): Promise<void> => {
    // The form posts nothing the route reads; let the body go.
    req.resume();
    let outcome: Awaited<ReturnType<CopyDownloadRouteDeps['copies']['openForDownload']>>;
    try {
      outcome = await deps.copies.openForDownload(tokenOf(req));
    } catch (err) {
      refuse(res, err);
      return;
    }
    if (outcome.kind === 'unknown') return notFound(req, res);
    if (outcome.kind !== 'ok') return gone(req, res, outcome.kind, outcome.locale);
    res.writeHead(200, {
      'Content-Type': 'application/zip',
      'Content-Length': String(outcome.sizeBytes),
      'Content-Disposition': `attachment; filename="${outcome.filename}"`,
      ...PRIVATE_HEADERS,
    });
    try {
      await pipeline(outcome.stream, res);
      logger.info({ requestId: outcome.requestId, sizeBytes: outcome.sizeBytes }, 'data copy downloaded');
    } catch (err) {
      // Headers are gone: the client sees a cut download (its Content-Length does not add up).
      const aborted = (err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE';
      if (aborted) logger.info({ requestId: outcome.requestId }, 'data copy download interrupted by the client');
      else logger.error({ err, requestId: outcome.requestId }, 'data copy download failed while streaming');
      res.destroy();
    }
  };

  return (server: Server) => {
    // Registered first: a token never looks like a stylesheet's name, but say so here.
    stylesheets(server);
    server.get(COPY_LINK_PATH, servePage);
    server.post(COPY_LINK_PATH, serveDownload);
    logger.info({ copies: COPY_LINK_PATH }, 'data copy downloads: a page per link, the ZIP on POST');
  };
}
