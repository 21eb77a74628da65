import path from 'node:path';
import type { Request, Response, Server } from 'restify';
import { pageLanguage } from '../../channels/webchat/page-language';
import { AppError } from '../../errors/app-error';
import { matchShippedLocale, ShippedLocale } from '../../i18n/shipped-locales';
import type { Translations } from '../../i18n/translator';
import type { PurposeCatalog } from '../../ledger/purposes/purpose-catalog';
import type { Logger } from '../../log/logger';
import { PROJECT_ROOT } from '../../paths';
import { decodeCompactJws } from '../../privacy/receipts/compact-jws';
import type { ReceiptSigner } from '../../privacy/receipts/receipt-signer';
import type { ConsentReceipt, StoredReceipt } from '../../privacy/receipts/receipt-types';
import { sendError } from '../send-error';
import { PRIVATE_HEADERS, privatePageStylesheets, sendPrivatePage } from './private-page-http';
import { receiptFormat, receiptQuery, ReceiptQuery } from './receipt-format';
import { RECEIPT_STYLESHEET_FILE, receiptPageContentSecurityPolicy, renderReceiptBadQuery, renderReceiptNotFound, renderReceiptPage } from './receipt-page';

export interface ReceiptRouteDeps {
  /** Finds a receipt by its link token (the ledger's ReceiptService). */
  readonly receipts: { findByToken(token: string): Promise<StoredReceipt | undefined> };
  /** The current signing key's public half, for the JWK Set. */
  readonly signer: Pick<ReceiptSigner, 'jwks'>;
  /** Absolute base of customer links (PUBLIC_BASE_URL), without a trailing slash. */
  readonly publicBaseUrl: string;
  /** The words of the readable page (`receipt.page.*`, `consent.*`). */
  readonly translations: Translations;
  /** Purpose labels in the page's language. */
  readonly catalog: PurposeCatalog;
  /** Language of a "not found" page when the browser names none we ship. */
  readonly defaultLocale: ShippedLocale;
  readonly logger: Logger;
  /** Folder of `receipt.css`. @default `<project>/web/receipt` */
  readonly webDir?: string;
}

export const RECEIPT_KEYS_PATH = '/receipts/keys';

/** The same link answers HTML or JSON depending on these: caches and proxies must keep them apart. */
const VARY = { Vary: 'Accept' } as const;

function sendJson(res: Response, status: number, body: unknown, headers: Record<string, string>): void {
  const bytes = Buffer.from(JSON.stringify(body, null, 2), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(bytes.length), ...headers });
  res.end(bytes);
}

function sendHtml(res: Response, status: number, html: string, locale: ShippedLocale): void {
  sendPrivatePage(res, status, html, { locale, contentSecurityPolicy: receiptPageContentSecurityPolicy(), vary: VARY.Vary });
}

/**
 * Consent receipts over HTTP, as a route group for `ServerDeps.extraRoutes`:
 *
 * - `GET /receipts/:token`: for a browser (or `?format=html`), a readable page in the receipt's
 *   language (`?lang=en|it` to choose another) with a strict Content-Security-Policy and no script;
 *   for `Accept: application/json`, `?format=json`, `*\/*` or no `Accept`, the file
 *   `{ receipt, jws, verify: { alg, kid, jwksUrl } }` that `npm run ledger -- receipt verify FILE`
 *   checks. An unknown or malformed token is a 404 `PSB_RECEIPT_NOT_FOUND` (JSON, or a page for a
 *   browser; the same answer for both kinds of token, so probing learns nothing); a bad `format` or
 *   `lang` is a 400 `PSB_RECEIPT_BAD_QUERY` (for a browser, a 400 page in its language that links
 *   to the receipt without the query);
 * - `GET /receipts/page-shell.css`, `GET /receipts/receipt.css`: the page's stylesheets;
 * - `GET /receipts/keys`: the JWK Set of the signing key.
 */
export function receiptRoutes(deps: ReceiptRouteDeps): (server: Server) => void {
  const logger = deps.logger.child({ module: 'receipts' });
  const jwksUrl = `${deps.publicBaseUrl.replace(/\/+$/, '')}${RECEIPT_KEYS_PATH}`;
  const stylesheets = privatePageStylesheets('/receipts', RECEIPT_STYLESHEET_FILE, deps.webDir ?? path.join(PROJECT_ROOT, 'web', 'receipt'));
  const languageName = (locale: string): string => deps.translations.for(matchShippedLocale(locale) ?? deps.defaultLocale).t(`languageName.${locale}`);

  const serveKeys = async (_req: Request, res: Response): Promise<void> => {
    sendJson(res, 200, deps.signer.jwks(), { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
  };

  const refuse = (res: Response, err: unknown): void => {
    for (const [name, value] of Object.entries({ ...PRIVATE_HEADERS, ...VARY })) res.setHeader(name, value);
    sendError(res, err, logger);
  };

  const notFound = (req: Request, res: Response, query: ReceiptQuery, html: boolean): void => {
    if (!html) {
      refuse(res, new AppError('PSB_RECEIPT_NOT_FOUND'));
      return;
    }
    const locale = query.lang ?? pageLanguage(req.headers['accept-language'], deps.defaultLocale);
    sendHtml(res, 404, renderReceiptNotFound(deps.translations.for(locale)), locale);
  };

  const serveReceipt = async (req: Request, res: Response): Promise<void> => {
    const token = String((req.params as Record<string, unknown> | undefined)?.token ?? '');
    let query: ReceiptQuery;
    try {
      query = receiptQuery(req.url);
    } catch (err) {
      // A browser gets a page it can read (in its language, with a way on); anyone else the JSON error.
      if (receiptFormat({}, req.headers.accept) === 'html') {
        const locale = pageLanguage(req.headers['accept-language'], deps.defaultLocale);
        sendHtml(res, 400, renderReceiptBadQuery(deps.translations.for(locale), token), locale);
        return;
      }
      refuse(res, err);
      return;
    }
    const format = receiptFormat(query, req.headers.accept);
    try {
      const stored = await deps.receipts.findByToken(token);
      // The signed payload is served, not the stored copy: they are equal, and this one provably is.
      const jws = stored ? decodeCompactJws(stored.jws) : undefined;
      if (!stored || !jws) {
        notFound(req, res, query, format === 'html');
        return;
      }
      const verify = { alg: jws.header.alg, kid: jws.header.kid, jwksUrl };
      if (format === 'json') {
        sendJson(res, 200, { receipt: jws.payload, jws: stored.jws, verify }, { ...PRIVATE_HEADERS, ...VARY });
        return;
      }
      const receipt = jws.payload as unknown as ConsentReceipt;
      // The receipt's own language (the conversation's), unless the reader picked another.
      const locale = query.lang ?? matchShippedLocale(receipt.language) ?? deps.defaultLocale;
      const html = renderReceiptPage({ receipt, alg: String(verify.alg), kid: String(verify.kid), jwksUrl, translator: deps.translations.for(locale), catalog: deps.catalog }, languageName);
      sendHtml(res, 200, html, locale);
    } catch (err) {
      refuse(res, err);
    }
  };

  return (server: Server) => {
    // Registered first: the static paths win over the token pattern either way, but say so here.
    server.get(RECEIPT_KEYS_PATH, serveKeys);
    stylesheets(server);
    server.get('/receipts/:token', serveReceipt);
    logger.info({ receipts: '/receipts/:token', keys: RECEIPT_KEYS_PATH }, 'consent receipts: signed JSON, and a readable page for browsers');
  };
}
