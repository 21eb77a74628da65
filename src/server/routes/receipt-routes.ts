import type { Request, Response, Server } from 'restify';
import { AppError } from '../../errors/app-error';
import type { Logger } from '../../log/logger';
import { decodeCompactJws } from '../../privacy/receipts/compact-jws';
import type { ReceiptSigner } from '../../privacy/receipts/receipt-signer';
import type { StoredReceipt } from '../../privacy/receipts/receipt-types';
import { sendError } from '../send-error';

export interface ReceiptRouteDeps {
  /** Finds a receipt by its link token (the ledger's ReceiptService). */
  readonly receipts: { findByToken(token: string): Promise<StoredReceipt | undefined> };
  /** The current signing key's public half, for the JWK Set. */
  readonly signer: Pick<ReceiptSigner, 'jwks'>;
  /** Absolute base of customer links (PUBLIC_BASE_URL), without a trailing slash. */
  readonly publicBaseUrl: string;
  readonly logger: Logger;
}

export const RECEIPT_KEYS_PATH = '/receipts/keys';

/** A receipt link is a capability: never cached, never leaked as a Referer, never indexed. */
const PRIVATE_HEADERS = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex, nofollow',
  'X-Content-Type-Options': 'nosniff',
} as const;

function sendJson(res: Response, status: number, body: unknown, headers: Record<string, string>): void {
  const bytes = Buffer.from(JSON.stringify(body, null, 2), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(bytes.length), ...headers });
  res.end(bytes);
}

/**
 * Consent receipts over HTTP, as a route group for `ServerDeps.extraRoutes`:
 *
 * - `GET /receipts/:token`: `{ receipt, jws, verify: { alg, kid, jwksUrl } }`, the file
 *   `npm run ledger -- receipt verify FILE` checks; an unknown or malformed token is a 404
 *   `PSB_RECEIPT_NOT_FOUND` (the same answer for both, so probing learns nothing);
 * - `GET /receipts/keys`: the JWK Set of the signing key.
 */
export function receiptRoutes(deps: ReceiptRouteDeps): (server: Server) => void {
  const logger = deps.logger.child({ module: 'receipts' });
  const jwksUrl = `${deps.publicBaseUrl.replace(/\/+$/, '')}${RECEIPT_KEYS_PATH}`;

  const serveKeys = async (_req: Request, res: Response): Promise<void> => {
    sendJson(res, 200, deps.signer.jwks(), { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
  };

  const serveReceipt = async (req: Request, res: Response): Promise<void> => {
    const token = String((req.params as Record<string, unknown> | undefined)?.token ?? '');
    try {
      const stored = await deps.receipts.findByToken(token);
      // The signed payload is served, not the stored copy: they are equal, and this one provably is.
      const jws = stored ? decodeCompactJws(stored.jws) : undefined;
      if (!stored || !jws) {
        for (const [name, value] of Object.entries(PRIVATE_HEADERS)) res.header(name, value);
        sendError(res, new AppError('PSB_RECEIPT_NOT_FOUND'), logger);
        return;
      }
      sendJson(res, 200, { receipt: jws.payload, jws: stored.jws, verify: { alg: jws.header.alg, kid: jws.header.kid, jwksUrl } }, PRIVATE_HEADERS);
    } catch (err) {
      for (const [name, value] of Object.entries(PRIVATE_HEADERS)) res.header(name, value);
      sendError(res, err, logger);
    }
  };

  return (server: Server) => {
    // Registered first: the static path wins over the token pattern either way, but says so here.
    server.get(RECEIPT_KEYS_PATH, serveKeys);
    server.get('/receipts/:token', serveReceipt);
    logger.info({ receipts: '/receipts/:token', keys: RECEIPT_KEYS_PATH }, 'consent receipts');
  };
}
