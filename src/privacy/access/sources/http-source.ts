import { randomUUID } from 'node:crypto';
import { webhookSignature } from '../../../integrations/consent-webhook/webhook-signature';
import type { DataSourceConfig, SourceRecord } from '../access-types';
import { SourceRunError, tooLarge } from './source-run-error';
import type { SourceRunInput, SourceRunner, SourceRunOutcome } from './source-runner';

/** Where an http source posts results it announced with 202 (the reference and the source id fill it in). */
export function sourceResultsPath(sourceId: string, reference: string): string {
  return `/api/sources/${encodeURIComponent(sourceId)}/results/${encodeURIComponent(reference)}`;
}

/** What the company's endpoint receives, signed (Standard Webhooks headers). */
export interface SourceRequestBody {
  readonly reference: string;
  readonly sourceId: string;
  /** Categories asked for, of those the source holds; null = everything it holds. */
  readonly categories: readonly string[] | null;
  /** The subject's identifiers by kind: email, phone (E.164), customer_number, aad_object_id. */
  readonly identifiers: Readonly<Record<string, string>>;
  /** Where to POST the records when answering 202 now (signed the same way, `{"records": [...]}`). */
  readonly resultsUrl: string;
}

export interface HttpSourceOptions {
  readonly source: Pick<DataSourceConfig, 'id' | 'url' | 'maxBytes'>;
  /** The signing secret (SourceCredentials.secret). */
  readonly secret: string;
  /** This bot's own base URL (http://127.0.0.1:PORT), against which a path URL (the /dev/ demo) is resolved; read at each run. */
  readonly selfBaseUrl: () => string;
  /** Base of the results URL given to sources on other hosts (PUBLIC_BASE_URL or an internal address they reach); read at each run. */
  readonly resultsBaseUrl: () => string;
  /** Clock of Webhook-Timestamp. @default () => new Date() */
  readonly now?: () => Date;
}

/**
 * Reads an answer's body counting bytes as they arrive, and stops (cancelling the rest) as soon
 * as it passes `maxBytes`: a source cannot make us hold more than its limit.
 */
async function readBounded(response: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(maxBytes);
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** The records of a `{"records": [...]}` answer; "invalid response" otherwise. */
export function recordsOfAnswer(text: string): SourceRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    // The parser's message would quote the answer.
    throw new SourceRunError('invalid response (not JSON)');
  }
  return recordsIn(parsed);
}

/** The records of a parsed `{"records": [...]}` (an answer, or results posted later); "invalid response" otherwise. */
export function recordsIn(parsed: unknown): SourceRecord[] {
  const records = (parsed as { records?: unknown } | null)?.records;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Array.isArray(records)) {
    throw new SourceRunError('invalid response (expected {"records": [...]})');
  }
  if (!records.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) throw new SourceRunError('invalid response (a record is not a JSON object)');
  return records as SourceRecord[];
}

/**
 * A company endpoint: a signed POST of the reference and the identifiers (the consent webhook's
 * Standard Webhooks signature, same secret rules). It answers 200 `{"records": [...]}` now, or 202
 * and POSTs them later to `resultsUrl`. Redirects are refused (the identifiers go nowhere else);
 * the answer is read up to `maxBytes`; any other status fails the run with its code.
 */
export class HttpSourceRunner implements SourceRunner {
  private readonly now: () => Date;

  constructor(private readonly options: HttpSourceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async run(input: SourceRunInput): Promise<SourceRunOutcome> {
    const { source } = this.options;
    const onSelf = source.url!.startsWith('/');
    const url = new URL(source.url!, onSelf ? this.options.selfBaseUrl() : undefined);
    const resultsBase = (onSelf ? this.options.selfBaseUrl() : this.options.resultsBaseUrl()).replace(/\/+$/, '');
    const body: SourceRequestBody = {
      reference: input.reference,
      sourceId: source.id,
      categories: input.categories,
      identifiers: input.subject.identifiers as Record<string, string>,
      resultsUrl: `${resultsBase}${sourceResultsPath(source.id, input.reference)}`,
    };
    const text = JSON.stringify(body);
    const id = randomUUID();
    const timestamp = Math.floor(this.now().getTime() / 1000);
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'user-agent': 'privacy-selfservice-bot data-source',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': webhookSignature(this.options.secret, id, timestamp, text),
      },
      body: text,
      redirect: 'manual',
      signal: input.signal,
    });
    if (response.status === 202) {
      await response.body?.cancel().catch(() => undefined);
      return { kind: 'later' };
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new SourceRunError(response.status >= 300 && response.status < 400 ? `HTTP ${response.status} (redirects are refused)` : `HTTP ${response.status}`);
    }
    const answer = await readBounded(response, source.maxBytes);
    return { kind: 'records', records: recordsOfAnswer(answer.toString('utf8')) };
  }
}
