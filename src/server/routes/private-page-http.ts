import path from 'node:path';
import type { Request, Response, Server } from 'restify';
import { PAGE_SECURITY_HEADERS } from '../../channels/webchat/content-security-policy';
import { sendAsset, StaticAsset } from '../../channels/webchat/static-asset';
import { PROJECT_ROOT } from '../../paths';
import { SHELL_STYLESHEET_FILE } from './page-shell';

/** A link that opens a private page (a receipt, a data copy) is a capability: never cached, never leaked as a Referer, never indexed. */
export const PRIVATE_HEADERS = Object.freeze({
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex, nofollow',
  'X-Content-Type-Options': 'nosniff',
} as const);

/** Folder of the shell's stylesheet. */
const SHELL_STYLESHEET_DIR = path.join(PROJECT_ROOT, 'web', 'page-shell');

/** How a private page is answered besides its HTML. */
export interface PrivatePageHeaders {
  /** `Content-Language`. */
  readonly locale: string;
  readonly contentSecurityPolicy: string;
  /** The request headers the answer depends on (`Vary`). */
  readonly vary: string;
}

/** Sends a private page: HTML with its policy, the page security headers and the private ones. */
export function sendPrivatePage(res: Response, status: number, html: string, headers: PrivatePageHeaders): void {
  const bytes = Buffer.from(html, 'utf8');
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(bytes.length),
    'Content-Language': headers.locale,
    'Content-Security-Policy': headers.contentSecurityPolicy,
    ...PAGE_SECURITY_HEADERS,
    ...PRIVATE_HEADERS,
    Vary: headers.vary,
  });
  res.end(bytes);
}

/**
 * `GET <prefix>/page-shell.css` and `GET <prefix>/<pageFile>`: the two stylesheets a page under
 * `prefix` links, served beside its links so their relative hrefs resolve and `style-src 'self'`
 * covers them. The files are read now (a missing one fails at start); register the returned routes
 * before the prefix's token route.
 */
export function privatePageStylesheets(prefix: string, pageFile: string, pageDir: string): (server: Server) => void {
  const assets = [
    [SHELL_STYLESHEET_FILE, SHELL_STYLESHEET_DIR],
    [pageFile, pageDir],
  ].map(([file, dir]) => ({ path: `${prefix}/${file}`, asset: StaticAsset.fromFile(path.join(dir, file), 'text/css; charset=utf-8', 'no-cache') }));
  return (server: Server) => {
    for (const { path: route, asset } of assets) {
      server.get(route, async (req: Request, res: Response): Promise<void> => sendAsset(req, res, asset, { 'Cross-Origin-Resource-Policy': 'same-origin' }));
    }
  };
}
