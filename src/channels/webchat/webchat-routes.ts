import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Request, Response, Server } from 'restify';
import { ShippedLocale } from '../../i18n/shipped-locales';
import { Translations } from '../../i18n/translator';
import type { Logger } from '../../log/logger';
import { PAGE_SECURITY_HEADERS, pageContentSecurityPolicy } from './content-security-policy';
import { requestHasGpc } from './gpc-signal';
import { pageLanguage } from './page-language';
import type { SiteAssertionVerifier } from './site-assertion-verifier';
import { sendAsset, StaticAsset } from './static-asset';
import { TokenLimits, tokenRoute, WebChatTokenIssuer } from './token-route';
import { locateWebChatBundle } from './webchat-bundle';
import { webChatOptions, WebChatOptions } from './webchat-options';
import { WebChatPage } from './webchat-page';

export interface WebChatRouteDeps {
  translations: Translations;
  /** Page language when the browser asks for none we ship. */
  defaultLocale: ShippedLocale;
  /** Mints Direct Line tokens server-side (the secret never reaches the browser). */
  issueToken: WebChatTokenIssuer;
  /** Checks a company site's sign-in assertions (signed-in Web Chat); absent when it is off. */
  siteIdentity?: SiteAssertionVerifier;
  /** Per-address limits on `POST /webchat/token`; absent: none. */
  tokenLimits?: TokenLimits;
  logger: Logger;
  options?: Partial<WebChatOptions>;
}

/** The host the browser used: a TLS proxy's `X-Forwarded-Host` (as Direct Line's `streamUrl`), else `Host`. */
function browserHost(req: Request): string | undefined {
  const forwarded = req.headers['x-forwarded-host'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return first || req.headers.host;
}

/** One year: the bundle URL carries the Web Chat version, so a new version is a new URL. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Our own small files keep their URL: browsers revalidate them (304 when unchanged). */
const REVALIDATE = 'no-cache';

/**
 * The Web Chat page as a route group for `ServerDeps.extraRoutes`:
 *
 * - `GET /`: the page, in the browser's language, with a strict Content-Security-Policy;
 * - `GET /webchat/<version>/webchat.js`: Web Chat's own bundle from node_modules (no CDN);
 * - `GET /webchat/page.js`, `GET /webchat/page.css`: the page's script and style (`web/`);
 * - `POST /webchat/token`: a Direct Line token, minted server-side (signed in when the body carries a
 *   valid `assertion` from the company's site).
 *
 * Files are read once, when the group is created.
 */
export function webChatRoutes(deps: WebChatRouteDeps): (server: Server) => void {
  const options = webChatOptions(deps.options);
  const logger = deps.logger.child({ module: 'webchat' });
  const bundle = locateWebChatBundle();
  const page = new WebChatPage(options.webDir, bundle.version);
  const webChatJs = StaticAsset.fromFile(bundle.file, 'application/javascript; charset=utf-8', IMMUTABLE);
  const pageJs = StaticAsset.fromFile(path.join(options.webDir, 'page.js'), 'application/javascript; charset=utf-8', REVALIDATE);
  const pageCss = StaticAsset.fromFile(path.join(options.webDir, 'page.css'), 'text/css; charset=utf-8', REVALIDATE);
  const bundlePath = `/webchat/${bundle.version}/webchat.js`;
  // The sites that may frame the page, told to page.js: only they may hand it a sign-in assertion.
  const embedders = options.frameAncestors.filter((source) => !source.startsWith("'")).join(' ');

  const servePage = async (req: Request, res: Response): Promise<void> => {
    const styleNonce = randomBytes(16).toString('base64');
    const locale = pageLanguage(req.headers['accept-language'], deps.defaultLocale);
    const html = page.render({ translator: deps.translations.for(locale), gpc: requestHasGpc(req.headers), styleNonce, embedders });
    const body = Buffer.from(html, 'utf8');
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(body.length),
      'Content-Language': locale,
      // A fresh nonce per response, and the page depends on these request headers.
      'Cache-Control': 'no-store',
      Vary: 'Accept-Language, Sec-GPC',
      'Content-Security-Policy': pageContentSecurityPolicy({ styleNonce, host: browserHost(req), frameAncestors: options.frameAncestors }),
      'X-Content-Type-Options': 'nosniff',
      ...PAGE_SECURITY_HEADERS,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  // restify requires handlers without `next` to be async functions.
  const asset =
    (file: StaticAsset) =>
    async (req: Request, res: Response): Promise<void> =>
      sendAsset(req, res, file, { 'Cross-Origin-Resource-Policy': 'same-origin' });

  return (server: Server) => {
    server.get('/', servePage);
    server.head('/', servePage);
    server.get(bundlePath, asset(webChatJs));
    server.get('/webchat/page.js', asset(pageJs));
    server.get('/webchat/page.css', asset(pageCss));
    server.post('/webchat/token', tokenRoute({ issueToken: deps.issueToken, siteIdentity: deps.siteIdentity, ...(deps.tokenLimits ? { limits: deps.tokenLimits } : {}), bodyLimitBytes: options.tokenBodyLimitBytes, logger }));
    logger.info({ page: '/', webChat: bundle.version, frameAncestors: options.frameAncestors, signedIn: deps.siteIdentity !== undefined }, 'Web Chat page');
  };
}
