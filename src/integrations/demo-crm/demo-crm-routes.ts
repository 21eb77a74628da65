import { randomUUID } from 'node:crypto';
import type { Request, Response, Server } from 'restify';
import { AppError } from '../../errors/app-error';
import type { Logger } from '../../log/logger';
import type { DataSourceCatalog } from '../../privacy/access/data-sources';
import type { SourceRequestBody } from '../../privacy/access/sources/http-source';
import { parseJsonText, readJsonBodyText } from '../../server/json-body';
import { sendError } from '../../server/send-error';
import { verifyWebhookSignature, webhookSignature } from '../consent-webhook/webhook-signature';
import { demoOrders, demoProfile, demoTickets } from './demo-crm-records';

/** The demo CRM answers here at once (profile, orders)… */
export const DEMO_CRM_PATH = '/dev/demo-crm';
/** …and here with 202, posting the customer-service tickets back a moment later. */
export const DEMO_CRM_LATER_PATH = '/dev/demo-crm/support';

export interface DemoCrmRouteDeps {
  /** The sources pointing at the demo (their url is one of the paths above) give the signing secrets. */
  readonly catalog: Pick<DataSourceCatalog, 'sources' | 'credentialsOf'>;
  readonly logger: Logger;
  /** How long the "later" answer waits before posting its results, ms. @default 3000 */
  readonly laterDelayMs?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Requests to the demo are small: the reference, categories and identifiers. */
const REQUEST_LIMIT_BYTES = 64 * 1024;
/** The post-back gives up after this long (the job then waits out its `resultsWithinMs` and asks again). */
const POST_BACK_TIMEOUT_MS = 10_000;

function sendJson(res: Response, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(bytes.length), 'Cache-Control': 'no-store' });
  res.end(bytes);
}

/**
 * A fictitious company CRM served by the bot itself outside production (like /dev/outbox), so that
 * a fresh checkout shows a real fan-out: `config/data-sources.json` points two http sources at it.
 * It behaves as a company endpoint should: checks the Standard Webhooks signature, answers the
 * categories asked for, and for the "later" path answers 202 and POSTs the results, signed, to the
 * `resultsUrl` it was given. Undefined when no configured source points at it (nothing to serve).
 * The app registers it only outside production; in production such sources are refused at start.
 */
export function demoCrmRoutes(deps: DemoCrmRouteDeps): ((server: Server) => void) | undefined {
  const logger = deps.logger.child({ module: 'demo-crm' });
  const now = deps.now ?? (() => new Date());
  const secretsFor = (path: string): string[] =>
    deps.catalog.sources
      .filter((s) => s.kind === 'http' && s.url === path)
      .map((s) => deps.catalog.credentialsOf(s.id).secret)
      .filter((secret): secret is string => secret !== undefined);
  if (secretsFor(DEMO_CRM_PATH).length === 0 && secretsFor(DEMO_CRM_LATER_PATH).length === 0) return undefined;

  /** The signed request's body and the secret that signed it, or a 401 (a company endpoint checks who is asking before answering). */
  const signedRequest = async (req: Request, path: string): Promise<{ body: SourceRequestBody; secret: string }> => {
    const text = await readJsonBodyText(req, REQUEST_LIMIT_BYTES);
    const signed = { id: String(req.headers['webhook-id'] ?? ''), timestamp: String(req.headers['webhook-timestamp'] ?? ''), signature: String(req.headers['webhook-signature'] ?? ''), body: text };
    const secret = secretsFor(path).find((candidate) => verifyWebhookSignature(candidate, signed, now()));
    if (!secret) throw new AppError('PSB_SOURCE_SIGNATURE_INVALID', 'the demo CRM answers only requests signed with its source secret (DEMO_CRM_SECRET)');
    return { body: parseJsonText(text) as SourceRequestBody, secret };
  };

  const wants = (body: SourceRequestBody, category: string): boolean => body.categories === null || body.categories.includes(category);

  const answerNow = async (req: Request, res: Response): Promise<void> => {
    try {
      const { body } = await signedRequest(req, DEMO_CRM_PATH);
      const identifiers = body.identifiers ?? {};
      const records = [...(wants(body, 'contact') ? [demoProfile(identifiers)] : []), ...(wants(body, 'orders') ? demoOrders(identifiers) : [])];
      logger.info({ reference: body.reference, records: records.length }, 'demo CRM: answered at once');
      sendJson(res, 200, { records });
    } catch (err) {
      sendError(res, err, logger);
    }
  };

  const postBack = async (body: SourceRequestBody, secret: string): Promise<void> => {
    const url = new URL(body.resultsUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
    const text = JSON.stringify({ records: demoTickets(body.identifiers ?? {}) });
    const id = randomUUID();
    const timestamp = Math.floor(now().getTime() / 1000);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': webhookSignature(secret, id, timestamp, text) },
        body: text,
        redirect: 'manual',
        signal: AbortSignal.timeout(POST_BACK_TIMEOUT_MS),
      });
      await response.body?.cancel().catch(() => undefined);
      logger.info({ reference: body.reference, status: response.status }, 'demo CRM: results posted back');
    } catch (err) {
      logger.warn({ reference: body.reference, error: err instanceof Error ? err.name : 'unknown error' }, 'demo CRM: posting the results back failed; the job will ask again');
    }
  };

  const answerLater = async (req: Request, res: Response): Promise<void> => {
    try {
      const { body, secret } = await signedRequest(req, DEMO_CRM_LATER_PATH);
      sendJson(res, 202, { accepted: true });
      logger.info({ reference: body.reference }, 'demo CRM: will post the results later');
      const timer = setTimeout(() => void postBack(body, secret), deps.laterDelayMs ?? 3000);
      timer.unref();
    } catch (err) {
      sendError(res, err, logger);
    }
  };

  return (server: Server) => {
    server.post(DEMO_CRM_PATH, answerNow);
    server.post(DEMO_CRM_LATER_PATH, answerLater);
    logger.warn({ paths: [DEMO_CRM_PATH, DEMO_CRM_LATER_PATH] }, 'demo CRM served: fictitious customer data for the data sources demo (never in production)');
  };
}
