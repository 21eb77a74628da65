/**
 * Access requests ("send me a copy of my data"), on PGlite in memory, then on PostgreSQL (DATABASE_URL
 * or the test machine's, in a schema of its own, dropped afterwards):
 *
 * 1. request → copy ready (awaiting review) for one customer with BENCH_ACCESS_RECORDS records across
 *    three sources: the ledger, and two HTTP sources (orders 60 %, support tickets 40 %) served by a
 *    separate process (bench/access-child.ts), the source jobs and the copy workflow driven pass by pass;
 * 2. copies assembled per minute, BENCH_ACCESS_SUBJECTS customers × BENCH_ACCESS_SUBJECT_RECORDS records
 *    asked for at once, with the workers running (start(), as the bot runs them);
 * 3. memory while a copy is assembled (rss and heapUsed sampled every 50 ms, peak over the idle level
 *    just before), for BENCH_ACCESS_RECORDS and BENCH_ACCESS_LARGE records: flat means the peak does
 *    not grow with the record count;
 * 4. the bare assembly as the baseline, in another process: the same records as data.json in a yazl
 *    ZIP to /dev/null, no ledger, no encryption, no jobs. Ratios in one run are what to compare.
 * A benchmark, not a test: it prints numbers and asserts nothing about them.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import { Translations } from '../src/i18n/translator';
import type { SourceJobStore } from '../src/ledger/access/source-jobs';
import { Ledger, openLedger } from '../src/ledger/ledger';
import { createLogger } from '../src/log/logger';
import type { AccessRequestService } from '../src/privacy/access/access-request-service';
import type { NewAccessRequest } from '../src/privacy/access/access-requests';
import type { CopyWorkflow } from '../src/privacy/access/copy-workflow';
import { createAccessRequests } from '../src/privacy/access/create-access-requests';
import { DataSourceCatalog, parseDataSources } from '../src/privacy/access/data-sources';
import type { SourceJobWorker } from '../src/privacy/access/source-job-worker';

const RECORDS = Number(process.env.BENCH_ACCESS_RECORDS ?? 10_000);
const LARGE = Number(process.env.BENCH_ACCESS_LARGE ?? 50_000);
const REPEATS = Number(process.env.BENCH_ACCESS_REPEATS ?? 3);
const SUBJECTS = Number(process.env.BENCH_ACCESS_SUBJECTS ?? 8);
const SUBJECT_RECORDS = Number(process.env.BENCH_ACCESS_SUBJECT_RECORDS ?? 500);
const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SAMPLE_MS = 50;
/** Longest wait for cases to reach awaiting_review before the bench gives up (a stuck pipeline, not a slow one). */
const STUCK_MS = 120_000;
const CHILD = path.join(__dirname, 'access-child.ts');
const SECRET = `bench-source-secret-${randomBytes(16).toString('hex')}`;
const quiet = createLogger({ level: 'silent' });
const MB = 1024 * 1024;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** 60 % orders, 40 % support tickets. */
const split = (records: number): { orders: number; tickets: number } => ({ orders: Math.round(records * 0.6), tickets: records - Math.round(records * 0.6) });
const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const megabytes = (bytes: number): string => (Math.abs(bytes) < MB ? `${(bytes / 1024).toFixed(0)} KB` : `${(bytes / MB).toFixed(1)} MB`);
const thousands = (n: number): string => n.toLocaleString('en-US');

/** Runs the child script under the same loader (tsx) as this process. */
function child(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [...process.execArgv, CHILD, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
}

async function firstLine(proc: ChildProcess): Promise<string> {
  const lines = createInterface({ input: proc.stdout! });
  const exited = once(proc, 'exit').then(([code]) => {
    throw new Error(`bench/access-child.ts exited with ${String(code)} before answering`);
  });
  const [line] = (await Promise.race([once(lines, 'line'), exited])) as [string];
  lines.close();
  return line;
}

function catalogFor(port: number): DataSourceCatalog {
  const base = `http://127.0.0.1:${port}`;
  return parseDataSources(
    {
      categories: [
        { id: 'orders', label: { en: 'Orders', it: 'Ordini' } },
        { id: 'support', label: { en: 'Support tickets', it: 'Richieste di assistenza' } },
      ],
      sources: [
        { id: 'ledger', kind: 'ledger' },
        { id: 'orders', label: { en: 'Orders system', it: 'Sistema ordini' }, kind: 'http', categories: ['orders'], url: `${base}/orders`, secretEnv: 'BENCH_SOURCE_SECRET', timeoutMs: 60_000 },
        { id: 'tickets', label: { en: 'Help desk', it: 'Assistenza clienti' }, kind: 'http', categories: ['support'], url: `${base}/tickets`, secretEnv: 'BENCH_SOURCE_SECRET', timeoutMs: 60_000 },
      ],
    },
    { env: { BENCH_SOURCE_SECRET: SECRET } },
  );
}

interface Pipeline {
  readonly service: AccessRequestService;
  readonly worker: SourceJobWorker;
  readonly workflow: CopyWorkflow;
  readonly jobs: SourceJobStore;
}

/** The capability as the app wires it (review required: a copy stops at awaiting_review); nobody to notify. */
function wire(ledger: Ledger, catalog: DataSourceCatalog, translations: Translations): Pipeline {
  const runtime = createAccessRequests({
    ledger,
    options: { reviewRequired: true, retentionDays: 30, maxDownloads: 5, publicBaseUrl: 'https://privacy.example.com' },
    catalog,
    translations,
    defaultLocale: 'en',
    messenger: { sendToContactOnFile: async () => undefined },
    selfBaseUrl: () => 'http://127.0.0.1:1',
    logger: quiet,
  });
  return { service: runtime.service, worker: runtime.worker, workflow: runtime.workflow, jobs: runtime.jobs };
}

let customers = 0;
/** A fictitious customer whose email tells the source server how many orders and tickets they have. */
async function customer(ledger: Ledger, records: number): Promise<string> {
  const { orders, tickets } = split(records);
  customers += 1;
  const email = `bench-${process.pid}-${customers}-o${orders}-t${tickets}-${randomBytes(3).toString('hex')}@example.com`;
  const subject = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: email }], regime: 'gdpr', preferredLocale: 'en' }, { actor: 'system:bench', reason: 'bench' });
  return subject.id;
}

const asked = (subjectId: string): NewAccessRequest => ({ subjectId, categories: null, channel: 'webchat', conversation: null, locale: 'en', timeZone: 'Europe/Rome', contactKind: 'email' });
const CUSTOMER = (subjectId: string) => ({ actor: `customer:${subjectId}`, reason: 'customer asked for a copy of their data (bench)' });

async function statusOf(ledger: Ledger, requestId: string): Promise<string> {
  return (await ledger.db.query<{ status: string }>('SELECT status FROM data_request WHERE id = $1', [requestId])).rows[0].status;
}

/** Runs source job passes until every job of the request is done (they all answer 200 here). */
async function runSources(p: Pipeline, requestId: string): Promise<void> {
  const deadline = Date.now() + STUCK_MS;
  for (;;) {
    await p.worker.runDue();
    const progress = await p.jobs.progress(requestId);
    const open = progress.pending + progress.running + progress.retrying + progress.waiting;
    if (progress.failed > 0) throw new Error(`a source job failed (${JSON.stringify(await p.jobs.summaries(requestId))})`);
    if (open === 0) return;
    if (Date.now() > deadline) throw new Error('source jobs stuck');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface CopyOutcome {
  readonly records: number;
  readonly sizeBytes: number;
}

async function copyOf(p: Pipeline, reference: string): Promise<CopyOutcome> {
  const found = await p.service.find(reference);
  if (found?.status !== 'awaiting_review' || !found.copy) throw new Error(`case ${reference} is ${String(found?.status)}, not awaiting_review with a copy`);
  return { records: found.sources.reduce((n, s) => n + (s.recordCount ?? 0), 0), sizeBytes: found.copy.sizeBytes };
}

interface EndToEnd extends CopyOutcome {
  readonly totalMs: number;
  readonly sourcesMs: number;
  readonly assemblyMs: number;
}

/** 1. One customer: request, every source job, assembly and storage, until the copy awaits review. */
async function endToEnd(ledger: Ledger, p: Pipeline, records: number): Promise<EndToEnd> {
  const subjectId = await customer(ledger, records);
  const started = performance.now();
  const { case: opened } = await p.service.request(asked(subjectId), CUSTOMER(subjectId));
  await runSources(p, opened.id);
  const sourcesDone = performance.now();
  await p.workflow.runDue();
  const ready = performance.now();
  if ((await statusOf(ledger, opened.id)) !== 'awaiting_review') throw new Error('the copy was not assembled');
  return { ...(await copyOf(p, opened.reference)), totalMs: ready - started, sourcesMs: sourcesDone - started, assemblyMs: ready - sourcesDone };
}

/** 2. Many customers ask at once; the workers run as in the bot (kicked, polling) until every copy is ready. */
async function throughput(ledger: Ledger, p: Pipeline): Promise<{ perMinute: number; elapsedMs: number; sizeBytes: number }> {
  const subjects = await Promise.all(Array.from({ length: SUBJECTS }, () => customer(ledger, SUBJECT_RECORDS)));
  p.worker.start();
  p.workflow.start();
  try {
    const started = performance.now();
    const cases = await Promise.all(subjects.map(async (id) => (await p.service.request(asked(id), CUSTOMER(id))).case));
    const placeholders = cases.map((_, i) => `$${i + 1}`).join(', ');
    const deadline = Date.now() + STUCK_MS;
    for (;;) {
      const rows = (await ledger.db.query<{ status: string }>(`SELECT status FROM data_request WHERE id IN (${placeholders})`, cases.map((c) => c.id))).rows;
      if (rows.some((r) => r.status === 'blocked')) throw new Error('a case was blocked');
      if (rows.every((r) => r.status === 'awaiting_review')) break;
      if (Date.now() > deadline) throw new Error('copies stuck');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const elapsedMs = performance.now() - started;
    const sizes = await Promise.all(cases.map(async (c) => (await copyOf(p, c.reference)).sizeBytes));
    return { perMinute: (SUBJECTS / elapsedMs) * 60_000, elapsedMs, sizeBytes: median(sizes) };
  } finally {
    await Promise.all([p.worker.stop(), p.workflow.stop()]);
  }
}

/**
 * Peak rss sampled on its own thread (rss is the whole process's), so a main thread busy compressing
 * does not make it miss the peak; heapUsed (the main thread's heap) can only be sampled on the main thread.
 */
class RssSampler {
  private readonly worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     let peak = process.memoryUsage.rss();
     setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, ${SAMPLE_MS});
     parentPort.on('message', (m) => { if (m === 'reset') peak = process.memoryUsage.rss(); parentPort.postMessage(peak); });`,
    { eval: true },
  );

  /** Starts a new peak from now; resolves with the current rss. */
  reset(): Promise<number> {
    return this.ask('reset');
  }

  peak(): Promise<number> {
    return this.ask('read');
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }

  private async ask(message: string): Promise<number> {
    this.worker.postMessage(message);
    const [value] = (await once(this.worker, 'message')) as [number];
    return value;
  }
}

interface MemoryPeak extends CopyOutcome {
  readonly rssBytes: number;
  readonly heapBytes: number;
  /** heapUsed after a full GC once the copy is stored, over idle: what the assembly left behind. */
  readonly retainedBytes: number;
  readonly samples: number;
  readonly assemblyMs: number;
}

/** 3. The source jobs first (not sampled), then the idle level, then peaks sampled while the copy is assembled and stored. */
async function memoryDuringAssembly(ledger: Ledger, p: Pipeline, sampler: RssSampler, records: number): Promise<MemoryPeak> {
  const subjectId = await customer(ledger, records);
  const { case: opened } = await p.service.request(asked(subjectId), CUSTOMER(subjectId));
  await runSources(p, opened.id);
  gc();
  await new Promise((resolve) => setTimeout(resolve, 200));
  gc();
  const idleRss = await sampler.reset();
  const idleHeap = process.memoryUsage().heapUsed;
  let heap = idleHeap;
  let samples = 0;
  const take = (): void => {
    heap = Math.max(heap, process.memoryUsage().heapUsed);
    samples += 1;
  };
  const timer = setInterval(take, SAMPLE_MS);
  const started = performance.now();
  try {
    await p.workflow.runDue();
  } finally {
    clearInterval(timer);
  }
  const assemblyMs = performance.now() - started;
  take();
  const rss = await sampler.peak();
  gc();
  const retainedBytes = process.memoryUsage().heapUsed - idleHeap;
  return { ...(await copyOf(p, opened.reference)), rssBytes: rss - idleRss, heapBytes: heap - idleHeap, retainedBytes, samples, assemblyMs };
}

interface LedgerResult {
  readonly name: string;
  readonly runs: EndToEnd[];
  readonly rate: Awaited<ReturnType<typeof throughput>>;
  readonly memory: MemoryPeak[];
}

async function measure(name: string, ledger: Ledger, catalog: DataSourceCatalog, translations: Translations): Promise<LedgerResult> {
  const p = wire(ledger, catalog, translations);
  await endToEnd(ledger, p, 200); // warm-up: JIT, connections, the report's templates
  const runs: EndToEnd[] = [];
  for (let i = 0; i < REPEATS; i += 1) runs.push(await endToEnd(ledger, p, RECORDS));
  const sampler = new RssSampler();
  let memory: MemoryPeak[];
  try {
    memory = [await memoryDuringAssembly(ledger, p, sampler, RECORDS), await memoryDuringAssembly(ledger, p, sampler, LARGE)];
  } finally {
    await sampler.close();
  }
  // Last: once stopped, a worker's runDue does nothing (stop() ends its passes for good).
  const rate = await throughput(ledger, p);
  const result = { name, runs, rate, memory };
  printLedger(result);
  return result;
}

function printLedger(r: LedgerResult): void {
  const e = r.runs;
  console.log(`\n${r.name}`);
  console.log(
    `  request → copy ready, ${thousands(e[0].records)} records, ${e.length} runs: ${e.map((x) => seconds(x.totalMs)).join(', ')} ` +
      `(median ${seconds(median(e.map((x) => x.totalMs)))}: source jobs ${seconds(median(e.map((x) => x.sourcesMs)))}, assembly + storage ${seconds(median(e.map((x) => x.assemblyMs)))}; copy ${megabytes(e[0].sizeBytes)})`,
  );
  console.log(`  copies per minute, ${SUBJECTS} customers × ${thousands(SUBJECT_RECORDS)} records asked at once, workers running: ${r.rate.perMinute.toFixed(0)}/min (all ready in ${seconds(r.rate.elapsedMs)}; copy ${megabytes(r.rate.sizeBytes)})`);
  for (const m of r.memory) {
    console.log(`  memory while assembling ${thousands(m.records)} records: peak +${megabytes(m.rssBytes)} rss, +${megabytes(m.heapBytes)} heapUsed over idle, ${megabytes(m.retainedBytes)} heapUsed left after GC (heap sampled ${m.samples}× over ${seconds(m.assemblyMs)}; copy ${megabytes(m.sizeBytes)})`);
  }
}

async function baseline(): Promise<{ ms: number; bytes: number }> {
  const { orders, tickets } = split(RECORDS);
  const proc = child(['baseline', String(orders), String(tickets), String(Math.max(REPEATS, 9))]);
  const answer = JSON.parse(await firstLine(proc)) as { ms: number[]; bytes: number };
  proc.stdin?.end();
  return { ms: median(answer.ms), bytes: answer.bytes };
}

function ratio(a: number, b: number): string {
  return b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a';
}

function printTable(results: readonly LedgerResult[], base: { ms: number; bytes: number }): void {
  const rows: [string, ...string[]][] = [['', ...results.map((r) => r.name)]];
  const add = (label: string, f: (r: LedgerResult) => string): void => void rows.push([label, ...results.map(f)]);
  add(`request → copy ready, ${thousands(RECORDS)} records (median of ${REPEATS})`, (r) => seconds(median(r.runs.map((x) => x.totalMs))));
  add('  of which source jobs (3 sources)', (r) => seconds(median(r.runs.map((x) => x.sourcesMs))));
  add('  of which assembly + encrypted storage', (r) => seconds(median(r.runs.map((x) => x.assemblyMs))));
  add('  copy size', (r) => megabytes(r.runs[0].sizeBytes));
  add(`copies per minute (${SUBJECTS} × ${thousands(SUBJECT_RECORDS)} records)`, (r) => `${r.rate.perMinute.toFixed(0)}/min`);
  for (const [i, label] of [thousands(RECORDS), thousands(LARGE)].entries()) {
    add(`memory, ${label} records: peak rss / heapUsed over idle`, (r) => `+${megabytes(r.memory[i].rssBytes)} / +${megabytes(r.memory[i].heapBytes)}`);
    add('  heapUsed left after GC', (r) => megabytes(r.memory[i].retainedBytes));
    add('  copy size, assembly + storage time', (r) => `${megabytes(r.memory[i].sizeBytes)}, ${seconds(r.memory[i].assemblyMs)}`);
  }
  add(`memory ratio ${thousands(LARGE)} / ${thousands(RECORDS)} (records ×${(LARGE / RECORDS).toFixed(0)}): rss / heapUsed`, (r) => `${ratio(r.memory[1].rssBytes, r.memory[0].rssBytes)} / ${ratio(r.memory[1].heapBytes, r.memory[0].heapBytes)}`);
  add(`baseline: bare yazl ZIP of data.json, ${thousands(RECORDS)} records, other process`, () => `${(base.ms / 1000).toFixed(3)} s (${megabytes(base.bytes)})`);
  add('ratio: request → copy ready / baseline', (r) => ratio(median(r.runs.map((x) => x.totalMs)), base.ms));
  add('ratio: assembly + storage / baseline', (r) => ratio(median(r.runs.map((x) => x.assemblyMs)), base.ms));
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  console.log('');
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('   '));
  }
  console.log(
    `\nMemory is sampled while the copy is assembled and stored, after the source jobs: "left after GC" is what the assembly kept; a peak above it is garbage not yet collected. ` +
      `With PGlite the rss also holds its WebAssembly heap (the database itself, memory://), which grows and never shrinks. ` +
      `Absolute numbers move by ±30 % between runs on this shared machine; compare ratios within one run.`,
  );
}

async function main(): Promise<void> {
  console.log(`access copies: ${thousands(RECORDS)} records (orders ${split(RECORDS).orders}, tickets ${split(RECORDS).tickets}, plus the ledger's), sources served by another process`);
  const server = child(['serve']);
  const results: LedgerResult[] = [];
  try {
    const { port } = JSON.parse(await firstLine(server)) as { port: number };
    const catalog = catalogFor(port);
    const translations = await Translations.load();
    const base = await baseline();
    const embedded = await openLedger({ ledgerDir: 'memory://', hashKey: 'bench-hash-key-0123456789' });
    try {
      results.push(await measure('PGlite (memory)', embedded, catalog, translations));
    } finally {
      await embedded.close();
    }
    const schema = `bench_access_${process.pid}`;
    const postgres = await openLedger({ databaseUrl: POSTGRES_URL, schema, hashKey: 'bench-hash-key-0123456789' }).catch((err: Error) => {
      console.log(`PostgreSQL  skipped: ${err.message} (start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)`);
      return undefined;
    });
    if (postgres) {
      try {
        results.push(await measure('PostgreSQL', postgres, catalog, translations));
      } finally {
        await postgres.db.query(`DROP SCHEMA ${schema} CASCADE`);
        await postgres.close();
      }
    }
    printTable(results, base);
  } finally {
    server.stdin?.end();
    server.kill();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
