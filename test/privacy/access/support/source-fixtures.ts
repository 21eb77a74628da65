import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import restify from 'restify';
import { verifyWebhookSignature, webhookSignature } from '../../../../src/integrations/consent-webhook/webhook-signature';
import { SourceJobStore } from '../../../../src/ledger/access/source-jobs';
import { Ledger } from '../../../../src/ledger/ledger';
import type { Logger } from '../../../../src/log/logger';
import type { SourceRecord } from '../../../../src/privacy/access/access-types';
import { DataSourceCatalog, parseDataSources } from '../../../../src/privacy/access/data-sources';
import { SourceJobConfig } from '../../../../src/privacy/access/source-job-config';
import { SourceJobWorker } from '../../../../src/privacy/access/source-job-worker';
import { SourceResultsIntake } from '../../../../src/privacy/access/source-results';
import { subjectOfRequest } from '../../../../src/privacy/access/source-subject';
import { createSourceRunners } from '../../../../src/privacy/access/sources/create-source-runners';
import { sourceResultsRoutes } from '../../../../src/server/routes/source-results-routes';
import type { BackendContext } from '../../../ledger/support/ledger-backends';
import { LogCapture } from '../../../support/test-app';
import { TEST_CATEGORY_LABELS, TestCategoryId, testSourceLabel } from './test-labels';

export const SOURCE_SECRET = 'test-source-secret-0123456789abcdef0123';
const WHO = { actor: 'system:test', reason: 'access request test' };

/** A case as the case service opens it: a new subject (email + customer number), its request and one job per source. */
export interface OpenedCase {
  readonly requestId: string;
  readonly reference: string;
  readonly subjectId: string;
  readonly email: string;
  readonly customerNumber: string;
}

let caseCounter = 0;

export async function openCase(ledger: Ledger, store: SourceJobStore, sourceIds: readonly string[], options: { categories?: readonly string[] | null; email?: string } = {}): Promise<OpenedCase> {
  caseCounter += 1;
  const email = options.email ?? `access-${process.pid}-${caseCounter}-${randomBytes(3).toString('hex')}@example.com`;
  const customerNumber = `CUST-${randomBytes(4).toString('hex').toUpperCase()}`;
  const subject = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: email }, { kind: 'customer_number', value: customerNumber }], regime: 'gdpr', preferredLocale: 'en' }, WHO);
  const { request } = await ledger.requests.openOrReuse(
    { subjectId: subject.id, type: 'access', regime: 'gdpr', startAs: 'in_progress', channel: 'webchat', locale: 'en', timeZone: 'Europe/Rome', categories: options.categories ?? null, contactKind: 'email' },
    WHO,
    (tx, opened) => store.enqueue(tx, opened.id, sourceIds, opened.receivedAt),
  );
  return { requestId: request.id, reference: request.reference, subjectId: subject.id, email, customerNumber };
}

/** Ends a test sharing its ledger with the next: no job of it is left for the next test's passes to run. */
export async function failUnfinishedJobs(ledger: Ledger): Promise<void> {
  await ledger.db.query("UPDATE data_request_source SET status = 'failed', last_error = 'test over' WHERE status NOT IN ('done', 'failed')");
}

/** Every page of a source's stored records, flattened. */
export async function storedRecords(store: SourceJobStore, requestId: string, sourceId: string): Promise<SourceRecord[]> {
  const all: SourceRecord[] = [];
  for await (const page of store.readPages(requestId, sourceId)) all.push(...page);
  return all;
}

/** What onSettled was told, in order. */
export class SettledLog {
  readonly calls: { requestId: string; outcome: 'done' | 'failed'; sourceId: string; error?: string }[] = [];
  private waiters: (() => void)[] = [];
  readonly onSettled = (requestId: string, outcome: 'done' | 'failed', sourceId: string, error?: string): void => {
    this.calls.push({ requestId, outcome, sourceId, ...(error === undefined ? {} : { error }) });
    for (const wake of this.waiters.splice(0)) wake();
  };

  /** Resolves once `sourceId` of `requestId` has settled. */
  async settled(requestId: string, sourceId: string): Promise<void> {
    while (!this.calls.some((c) => c.requestId === requestId && c.sourceId === sourceId)) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

/**
 * A catalog of test sources, checked by the real parser (categories among contact, orders, support).
 * Labels in every shipped language come from test-labels.ts, unless a source brings its own.
 */
export function testCatalog(sources: readonly Record<string, unknown>[], env: Record<string, string> = {}): DataSourceCatalog {
  return parseDataSources(
    {
      // Only those the sources hold (a category nobody holds is refused).
      categories: (Object.keys(TEST_CATEGORY_LABELS) as TestCategoryId[])
        .filter((id) => sources.some((s) => (s.categories as string[]).includes(id)))
        .map((id) => ({ id, label: TEST_CATEGORY_LABELS[id] })),
      sources: sources.map((s) => ({ ...s, label: s.label ?? testSourceLabel(String(s.id)) })),
    },
    { file: 'test catalog', env: { TEST_SOURCE_SECRET: SOURCE_SECRET, ...env } },
  );
}

/** How the test endpoint answers one POST. */
export type SourceBehaviour =
  | { readonly kind: 'records'; readonly records: readonly unknown[] }
  | { readonly kind: 'later'; readonly records?: readonly unknown[]; readonly headers?: (body: string) => Record<string, string> }
  | { readonly kind: 'status'; readonly status: number; readonly headers?: Record<string, string> }
  | { readonly kind: 'hang' }
  | { readonly kind: 'text'; readonly text: string }
  /** A 200 streamed in chunks without Content-Length, `bytes` long in all. */
  | { readonly kind: 'stream'; readonly bytes: number };

/** One POST the endpoint received. */
export interface ReceivedRequest {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly json: { reference: string; sourceId: string; categories: string[] | null; identifiers: Record<string, string>; resultsUrl: string };
  readonly signatureValid: boolean;
}

/**
 * A company's endpoint on 127.0.0.1 (node:http on port 0): answers each POST with the next queued
 * behaviour (the last one repeats), and for "later" posts the records back, signed, to the results
 * URL it was given. Keeps every request and the answers of its post-backs.
 */
export class TestSourceEndpoint {
  readonly requests: ReceivedRequest[] = [];
  readonly postBacks: { status: number; body: string }[] = [];
  private readonly behaviours: SourceBehaviour[] = [];
  private readonly hanging: http.ServerResponse[] = [];
  private postBackWaiters: (() => void)[] = [];

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<TestSourceEndpoint> {
    const server = http.createServer();
    const endpoint = new TestSourceEndpoint(server);
    server.on('request', (req, res) => endpoint.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return endpoint;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/privacy/export`;
  }

  answer(...behaviours: SourceBehaviour[]): this {
    this.behaviours.push(...behaviours);
    return this;
  }

  async postBacksAtLeast(count: number): Promise<void> {
    while (this.postBacks.length < count) await new Promise<void>((resolve) => this.postBackWaiters.push(resolve));
  }

  async close(): Promise<void> {
    for (const res of this.hanging.splice(0)) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signatureValid = verifyWebhookSignature(SOURCE_SECRET, { id: String(req.headers['webhook-id']), timestamp: String(req.headers['webhook-timestamp']), signature: String(req.headers['webhook-signature']), body });
      const received: ReceivedRequest = { headers: req.headers, body, json: JSON.parse(body) as ReceivedRequest['json'], signatureValid };
      this.requests.push(received);
      const behaviour = this.behaviours.length > 1 ? this.behaviours.shift()! : this.behaviours[0];
      this.respond(behaviour, received, res);
    });
  }

  private respond(behaviour: SourceBehaviour | undefined, received: ReceivedRequest, res: http.ServerResponse): void {
    if (!behaviour) {
      res.writeHead(500);
      res.end();
      return;
    }
    switch (behaviour.kind) {
      case 'records': {
        const text = JSON.stringify({ records: behaviour.records });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(text);
        return;
      }
      case 'later':
        res.writeHead(202);
        res.end();
        void this.postBack(received.json.resultsUrl, JSON.stringify({ records: behaviour.records ?? [] }), behaviour.headers);
        return;
      case 'status':
        res.writeHead(behaviour.status, behaviour.headers);
        res.end('unavailable');
        return;
      case 'hang':
        this.hanging.push(res);
        return;
      case 'text':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(behaviour.text);
        return;
      case 'stream': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(1024, 0x20);
        let sent = 0;
        const pump = (): void => {
          while (sent < behaviour.bytes) {
            sent += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        res.on('error', () => undefined);
        pump();
        return;
      }
    }
  }

  private async postBack(url: string, body: string, headers?: (body: string) => Record<string, string>): Promise<void> {
    const id = randomUUID();
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(headers ? headers(body) : { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': webhookSignature(SOURCE_SECRET, id, timestamp, body) }) },
      body,
    });
    this.postBacks.push({ status: response.status, body: await response.text() });
    for (const wake of this.postBackWaiters.splice(0)) wake();
  }
}

/** A bare restify server with the results route (and anything else given), on 127.0.0.1 port 0. */
export async function startResultsServer(catalog: DataSourceCatalog, intake: Pick<SourceResultsIntake, 'accept'>, logger: Logger, extra: readonly ((server: restify.Server) => void)[] = []): Promise<{ baseUrl: string; close(): Promise<void> }> {
  // restify's own warnings go to the test's logger, not stdout.
  const server = restify.createServer({ handleUncaughtExceptions: false, log: logger as unknown as restify.ServerOptions['log'] });
  sourceResultsRoutes({ catalog, intake, logger })(server);
  for (const register of extra) register(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    baseUrl: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A ledger, the job store and worker, the results route on a real server, and a company endpoint: one fan-out, torn down together. */
export interface FanOut {
  readonly ledger: Ledger;
  readonly store: SourceJobStore;
  readonly catalog: DataSourceCatalog;
  readonly worker: SourceJobWorker;
  readonly endpoint: TestSourceEndpoint;
  readonly settled: SettledLog;
  readonly logs: LogCapture;
  /** Base URL of the server with the results route. */
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** First retry after 30 s (doubling), jitter pinned to the full delay: retry times are exact. */
export const TEST_JOB_CONFIG: SourceJobConfig = Object.freeze({ pollMs: 1000, firstRetrySeconds: 30, maxBackoffSeconds: 3600, concurrency: 4 });

/**
 * Builds a fan-out on the block's ledger: `sources` get the endpoint's URL, the catalog is checked by
 * the real parser, the worker runs on the block's fake clock (HTTP signatures on the real one, as
 * the endpoint checks them). `close` also fails every job left unfinished, so that the next test's
 * passes see only its own.
 */
export async function startFanOut(ctx: BackendContext, sources: (endpointUrl: string) => readonly Record<string, unknown>[]): Promise<FanOut> {
  const ledger = ctx.ledger;
  const store = new SourceJobStore(ledger.db, ledger.blobs, ctx.clock.now);
  const endpoint = await TestSourceEndpoint.start();
  const catalog = testCatalog(sources(endpoint.url));
  const logs = new LogCapture();
  const settled = new SettledLog();
  const intake = new SourceResultsIntake({ store, catalog, onSettled: settled.onSettled, logger: logs.logger });
  const server = await startResultsServer(catalog, intake, logs.logger);
  const runners = createSourceRunners(catalog, { ledger, selfBaseUrl: () => server.baseUrl, resultsBaseUrl: () => server.baseUrl });
  const worker = new SourceJobWorker({ store, catalog, runners, subjectOf: subjectOfRequest(ledger.db, ledger.subjects), onSettled: settled.onSettled, logger: logs.logger, config: TEST_JOB_CONFIG, now: ctx.clock.now, random: () => 1 });
  return {
    ledger,
    store,
    catalog,
    worker,
    endpoint,
    settled,
    logs,
    baseUrl: server.baseUrl,
    close: async () => {
      await worker.stop();
      await endpoint.close();
      await server.close();
      await failUnfinishedJobs(ledger);
    },
  };
}
