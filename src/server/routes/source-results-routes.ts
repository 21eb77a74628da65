import type { Request, Response, Server } from 'restify';
import { AppError } from '../../errors/app-error';
import { DEFAULT_SIGNATURE_TOLERANCE_SECONDS, verifyWebhookSignature } from '../../integrations/consent-webhook/webhook-signature';
import type { Logger } from '../../log/logger';
import type { DataSourceCatalog } from '../../privacy/access/data-sources';
import type { SourceResultsIntake } from '../../privacy/access/source-results';
import { parseJsonText, readJsonBodyText } from '../json-body';
import { sendError } from '../send-error';

/** Where an http source posts results it announced with 202. */
export const SOURCE_RESULTS_PATH = '/api/sources/:id/results/:reference';

export interface SourceResultsRouteDeps {
  readonly catalog: Pick<DataSourceCatalog, 'byId' | 'credentialsOf'>;
  readonly intake: Pick<SourceResultsIntake, 'accept'>;
  readonly logger: Logger;
  /** Clock the Webhook-Timestamp is checked against. @default () => new Date() */
  readonly now?: () => Date;
  /** @default DEFAULT_SIGNATURE_TOLERANCE_SECONDS (5 min) */
  readonly toleranceSeconds?: number;
}

const header = (req: Request, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

const refused = (message: string): AppError => new AppError('PSB_SOURCE_SIGNATURE_INVALID', message);

function sendJson(res: Response, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(bytes.length), 'Cache-Control': 'no-store' });
  res.end(bytes);
}

/**
 * `POST /api/sources/:id/results/:reference`, as a route group for `ServerDeps.extraRoutes`: results
 * an http data source announced with 202, signed like our request to it (Standard Webhooks, the
 * source's secret). The body is read up to the source's `maxBytes`, once the headers are there and
 * the timestamp is fresh; the signature is checked over the raw bytes before anything is parsed. Answers: 200 `{"accepted": true,
 * "records": n}`; 401 for a missing header, a wrong signature, a timestamp more than the tolerance
 * off, or a Webhook-Id already received; 404 for an unknown source or reference (or a source that
 * is not http); 409 when the job expects no results (already done or failed: a late or duplicate
 * POST); 400/413/415 for a body that is not `{"records": [objects]}` JSON within the limit.
 */
export function sourceResultsRoutes(deps: SourceResultsRouteDeps): (server: Server) => void {
  const logger = deps.logger.child({ module: 'source-results' });
  const now = deps.now ?? (() => new Date());
  const tolerance = deps.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;

  const receive = async (req: Request, res: Response): Promise<void> => {
    try {
      const params = (req.params ?? {}) as Record<string, unknown>;
      const sourceId = String(params.id ?? '');
      const reference = String(params.reference ?? '');
      const source = deps.catalog.byId(sourceId);
      const secret = source?.kind === 'http' ? deps.catalog.credentialsOf(sourceId).secret : undefined;
      if (!source || !secret) throw new AppError('PSB_SOURCE_NOT_FOUND', `no http data source "${sourceId}" takes results here`);
      // Headers first: an unsigned or stale POST is refused before its body is read.
      const id = header(req, 'webhook-id');
      const timestamp = header(req, 'webhook-timestamp');
      const signature = header(req, 'webhook-signature');
      if (!id || !timestamp || !signature) throw refused('send Webhook-Id, Webhook-Timestamp and Webhook-Signature (Standard Webhooks, signed with the source\'s secret)');
      if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now().getTime() / 1000 - Number(timestamp)) > tolerance) {
        throw refused(`Webhook-Timestamp must be the Unix time in seconds, within ${tolerance} s of ours: a stale or replayed POST is refused`);
      }
      const body = await readJsonBodyText(req, source.maxBytes);
      if (!verifyWebhookSignature(secret, { id, timestamp, signature, body }, now(), tolerance)) {
        throw refused('Webhook-Signature does not match the body signed with this source\'s secret');
      }
      const outcome = await deps.intake.accept(sourceId, reference, parseJsonText(body), id);
      switch (outcome.kind) {
        case 'accepted':
          sendJson(res, 200, { accepted: true, records: outcome.records });
          return;
        case 'unknown':
          throw new AppError('PSB_SOURCE_NOT_FOUND', `data source "${sourceId}" has no job for this reference`);
        case 'replayed':
          throw refused('this Webhook-Id was already received: a replayed POST is refused');
        case 'not-expected':
          throw new AppError('PSB_SOURCE_RESULTS_NOT_EXPECTED', `the job of data source "${sourceId}" for this reference is ${outcome.status} and takes no results`, { status: outcome.status });
      }
    } catch (err) {
      sendError(res, err, logger);
    }
  };

  return (server: Server) => {
    server.post(SOURCE_RESULTS_PATH, receive);
    logger.info({ path: SOURCE_RESULTS_PATH }, 'data sources: results posted later are taken here (signed)');
  };
}
