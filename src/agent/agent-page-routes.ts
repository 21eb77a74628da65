import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Request, Response, Server } from 'restify';
import { PROJECT_ROOT } from '../paths';

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

function load(file: string, type: string): Asset {
  const body = readFileSync(path.join(AGENT_WEB_DIR, file));
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/**
 * `GET /agent` (the console page, with its CSP), its scripts (`/agent/console-kit.js`, shared; `/agent/console.js`,
 * sign-in, customers and access requests; `/agent/concerns.js`; `/agent/incidents.js`), `/agent/console.css`, `/agent/favicon.svg`.
 * Files are read once, when the group is created; browsers revalidate them (304 when unchanged).
 */
export function agentPageRoutes(): (server: Server) => void {
  const page = load('index.html', 'text/html; charset=utf-8');
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

  const html = serve(page, { 'Content-Security-Policy': AGENT_PAGE_CSP });
  return (server: Server) => {
    server.get('/agent', html);
    server.get('/agent/', html);
    server.head('/agent', html);
    for (const { file, asset } of scripts) server.get(`/agent/${file}`, serve(asset, {}));
    server.get('/agent/console.css', serve(style, {}));
    server.get('/agent/favicon.svg', serve(icon, {}));
  };
}
