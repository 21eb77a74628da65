/**
 * `npm run surge -- --customers 10000` (issue 15, the surge): customers arriving at once, each through a whole
 * conversation over our Direct Line (WebSocket streams, as Web Chat), against two instances of this bot that
 * share Redis and PostgreSQL.
 *
 * 1. Redis and PostgreSQL must answer (a clear failure naming the service otherwise). Everything the run makes
 *    lives under a Redis key prefix and a PostgreSQL schema of its own, both removed at the end.
 * 2. An SMTP sink (bench/smtp-sink.ts) listens on 127.0.0.1; EMAIL_TRANSPORT points at it. Production accepts a
 *    plain `smtp://` URL (nodemailer uses STARTTLS only when offered, and the sink offers none), so the bots run
 *    with NODE_ENV=production and nothing relaxed: the one-time codes really go out by SMTP.
 * 3. The customers are put in the ledger (bench/surge-customers.ts), through its services.
 * 4. Two bots start as operators run them (bench/bot-process.ts), with one environment: the same
 *    DIRECT_LINE_SECRET, IDENTITY_CODE_KEY, ledger keys, Redis prefix and schema.
 * 5. `--concurrency` customers at a time run their flows (bench/surge-customer.ts, bench/surge-flows.ts): a
 *    customer's stream stays on its home instance (odd and even customers on different ones); its messages go
 *    to both instances in turn. Think time before each message.
 * 6. Afterwards: each instance's RSS, Redis memory under the prefix per conversation, `ledger verify` and the
 *    per-customer record check (bench/surge-ledger-check.ts). A table, then one line of JSON.
 *
 * A benchmark: it asserts nothing about speed. It exits 1 when a flow failed or the ledger is not consistent.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Translations } from '../src/i18n/translator';
import { Ledger, openLedger } from '../src/ledger/ledger';
import { loadLedgerConfig } from '../src/ledger/ledger-config';
import { requirePostgres, requireRedis, uniqueRedisPrefix } from '../test/support/services';
import { removeSharedTestStores, SharedTestStores } from '../test/support/shared-stores';
import { apologies, botEntry, Child, errorSamplesSince, freePort, productionEnv, rssMb, start, stopAll, waitUntilReady, warningsSince } from './bot-process';
import { SmtpSink } from './smtp-sink';
import { CustomerOutcome, Instance, runCustomer, SurgeError } from './surge-customer';
import { planCustomers, randomSource, seedCustomers } from './surge-customers';
import { surgeFlows } from './surge-flows';
import { checkRecords, RecordCheck, runLedgerVerify, VerifyRun } from './surge-ledger-check';
import { MailBox } from './surge-mailbox';
import { parseSurgeOptions, SurgeOptions, SurgeUsageError } from './surge-options';
import { RedisMemory, redisMemoryUnder } from './surge-redis-memory';
import { printSurgeReport } from './surge-report';
import { FlowTally, latencyByStep, latencyOf, Latency, StepLatency, tallyFlows } from './surge-stats';

/** One bot instance, measured. */
export interface InstanceResult {
  readonly name: string;
  readonly readySeconds: number;
  readonly rssStartMb: number;
  /** RSS when a quarter, half and three quarters of the customers were done: a plateau is capacity, a climb a leak. */
  readonly rssQuartersMb: readonly number[];
  readonly rssEndMb: number;
  /** RSS after the bots stood idle for `--settle-seconds`: what V8 gives back once the customers are gone. */
  readonly rssSettledMb: number;
  /** What it logged at warn or above during the surge, by level and message. */
  readonly warnings: Readonly<Record<string, number>>;
  /** The errors behind those lines, a few of each (bot-process errorSamplesSince). */
  readonly errorSamples: readonly string[];
  /** How it ended, when it ended before the surge was over (a crash, a kill), with the end of its stderr. */
  readonly exitedDuringSurge?: string;
}

export interface SurgeResult {
  readonly options: SurgeOptions;
  readonly botEntry: string;
  readonly seedSeconds: number;
  readonly flows: readonly FlowTally[];
  readonly completed: number;
  readonly errors: number;
  readonly errorsByKind: Readonly<Record<string, number>>;
  /** The first few errors, as they happened. */
  readonly errorSamples: readonly SurgeError[];
  readonly turns: Latency;
  readonly conversationStarts: Latency;
  readonly messages: Latency;
  readonly steps: readonly StepLatency[];
  readonly turnsPerSecond: number;
  readonly surgeSeconds: number;
  readonly totalSeconds: number;
  readonly instances: readonly InstanceResult[];
  readonly redis: RedisMemory & { readonly conversations: number; readonly bytesPerConversation: number };
  readonly ledgerVerify: VerifyRun;
  readonly records: RecordCheck;
  readonly ledgerConsistent: boolean;
  readonly mail: { readonly received: number; readonly codesRead: number; readonly other: number };
  /** The run's own Redis prefix and PostgreSQL schema (removed when runSurge returns). */
  readonly stores: { readonly redisPrefix: string; readonly schema: string };
}

const PROGRESS_EVERY_MS = 10_000;
const ERROR_SAMPLES = 10;

async function startInstance(name: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ child: Child; instance: Instance; readySeconds: number }> {
  const port = await freePort();
  const spawnedAt = performance.now();
  const child = start(name, args, { ...env, PORT: String(port) });
  try {
    const readyMs = await waitUntilReady(child, port, spawnedAt, (status) => status === 200);
    return { child, instance: { name, baseUrl: `http://127.0.0.1:${port}` }, readySeconds: readyMs / 1000 };
  } catch (err) {
    await child.stop();
    // What it logged says why (its stderr, in the error, has only the last line).
    const logged = errorSamplesSince(child, 0);
    if (logged.length > 0 && err instanceof Error) err.message += `\n${name} logged:\n  ${logged.join('\n  ')}`;
    throw err;
  }
}

/** Runs the whole surge and returns what it measured; `log` gets the progress lines. */
export async function runSurge(options: SurgeOptions, log: (line: string) => void = console.log): Promise<SurgeResult> {
  const begunAt = performance.now();
  await requireRedis(options.redisUrl);
  await requirePostgres(options.databaseUrl);
  const entry = botEntry();
  const folder = mkdtempSync(path.join(os.tmpdir(), 'psb-surge-'));
  const stores: SharedTestStores = { redisUrl: options.redisUrl, redisPrefix: uniqueRedisPrefix('psb-surge'), databaseUrl: options.databaseUrl, schema: `surge_${process.pid}_${randomBytes(4).toString('hex')}` };
  const sink = await SmtpSink.start();
  const mailbox = new MailBox(sink);
  const env: NodeJS.ProcessEnv = { ...productionEnv(folder), EMAIL_TRANSPORT: sink.url, REDIS_URL: stores.redisUrl, REDIS_PREFIX: stores.redisPrefix, DATABASE_URL: stores.databaseUrl, LEDGER_SCHEMA: stores.schema };
  let ledger: Ledger | undefined;
  let surgeOver = false;
  const cleanUp = async (): Promise<void> => {
    await stopAll();
    await ledger?.close();
    await sink.close();
    await removeSharedTestStores(stores);
    rmSync(folder, { recursive: true, force: true });
  };
  const interrupted = (): void => {
    console.error('interrupted: stopping the bots and removing what the surge made');
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  try {
    ledger = await openLedger(loadLedgerConfig(env));
    const random = randomSource(options.seed);
    const customers = planCustomers(options.customers, options.mix, random);
    log(`seeding ${customers.length} customers in the ledger (schema ${stores.schema})…`);
    const seedStart = performance.now();
    await seedCustomers(ledger, customers, (done) => {
      if (done % 2500 === 0 || done === customers.length) log(`  ${done} seeded`);
    });
    const seedSeconds = (performance.now() - seedStart) / 1000;

    log(`starting two bot instances (${entry.description}, NODE_ENV=production) on Redis and PostgreSQL…`);
    const bots = await Promise.all([startInstance('instance A', entry.args, env), startInstance('instance B', entry.args, env)]);
    const rssStart = bots.map((bot) => rssMb(bot.child.pid));
    const exitedDuringSurge = (child: Child): string | undefined => (child.hasExited ? `${child.exitStatus ?? 'exited'}; stderr: ${child.lastErrors().slice(-600) || '(none)'}` : undefined);
    for (const bot of bots) {
      // Said at once: every later error may come from it.
      void bot.child.exited.then(() => {
        if (!surgeOver) log(`  ${bot.instance.name} ended during the surge (${exitedDuringSurge(bot.child) ?? ''})`);
      });
    }
    const logFrom = bots.map((bot) => bot.child.lines.length);
    log(`ready after ${bots.map((bot) => `${bot.readySeconds.toFixed(2)} s`).join(' and ')} (RSS ${rssStart.join(' and ')} MB); ${customers.length} customers, ${options.concurrency} at a time, ${options.thinkMs.min}–${options.thinkMs.max} ms think time…`);

    const translator = (await Translations.load()).for('en');
    const outcomes: CustomerOutcome[] = [];
    let turnsDone = 0;
    const failedByKind = new Map<string, number>();
    const deps = {
      instances: [bots[0].instance, bots[1].instance] as const,
      secret: String(env.DIRECT_LINE_SECRET),
      flows: surgeFlows(translator),
      thinkMs: () => options.thinkMs.min + random() * (options.thinkMs.max - options.thinkMs.min),
      readMail: (address: string, timeoutMs: number) => mailbox.read(address, timeoutMs),
      timeoutMs: options.timeoutMs,
      apologies: [...apologies(), translator.t('concern.failed').split('{{')[0], translator.t('identityCode.unavailable')],
      onTurn: () => (turnsDone += 1),
    };
    const failedSoFar = (): string => {
      const failed = [...failedByKind.values()].reduce((sum, n) => sum + n, 0);
      return failed === 0 ? '0 failed' : `${failed} failed (${[...failedByKind].map(([kind, n]) => `${kind} ${n}`).join(', ')})`;
    };
    const surgeStart = performance.now();
    const progress = options.progress
      ? setInterval(() => {
          const seconds = (performance.now() - surgeStart) / 1000;
          log(`  ${seconds.toFixed(0)} s: ${outcomes.length}/${customers.length} customers done, ${turnsDone} turns (${(turnsDone / seconds).toFixed(0)}/s), ${failedSoFar()}`);
        }, PROGRESS_EVERY_MS)
      : undefined;
    const quarterMarks = [1, 2, 3].map((q) => Math.ceil((q * customers.length) / 4));
    const rssQuarters: number[][] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency, customers.length) }, async (_, worker) => {
        // Arrivals spread over one think time rather than all in the same millisecond.
        await new Promise((resolve) => setTimeout(resolve, (worker / options.concurrency) * options.thinkMs.max));
        for (let i = next++; i < customers.length; i = next++) {
          const outcome = await runCustomer(customers[i], deps);
          if (outcome.error) failedByKind.set(outcome.error.kind, (failedByKind.get(outcome.error.kind) ?? 0) + 1);
          outcomes.push(outcome);
          if (quarterMarks.includes(outcomes.length)) rssQuarters.push(bots.map((bot) => rssMb(bot.child.pid)));
        }
      }),
    );
    if (progress) clearInterval(progress);
    const surgeSeconds = (performance.now() - surgeStart) / 1000;
    const rssEnd = bots.map((bot) => rssMb(bot.child.pid));
    const exits = bots.map((bot) => exitedDuringSurge(bot.child));
    surgeOver = true;
    log(`surge done in ${surgeSeconds.toFixed(1)} s; measuring Redis, stopping the bots, checking the ledger…`);

    const memory = await redisMemoryUnder(stores.redisUrl, stores.redisPrefix);
    if (options.settleSeconds > 0) log(`  waiting ${options.settleSeconds} s with no customers, for each instance's RSS once idle…`);
    await new Promise((resolve) => setTimeout(resolve, options.settleSeconds * 1000));
    const rssSettled = bots.map((bot) => rssMb(bot.child.pid));
    const instances: InstanceResult[] = bots.map((bot, i) => ({ name: bot.instance.name, readySeconds: bot.readySeconds, rssStartMb: rssStart[i], rssQuartersMb: rssQuarters.map((atQuarter) => atQuarter[i]), rssEndMb: rssEnd[i], rssSettledMb: rssSettled[i], warnings: warningsSince(bot.child, logFrom[i]), errorSamples: errorSamplesSince(bot.child, logFrom[i]), ...(exits[i] ? { exitedDuringSurge: exits[i] } : {}) }));
    await stopAll();
    const ledgerVerify = await runLedgerVerify(env);
    const records = await checkRecords(ledger, outcomes);
    const errors = outcomes.filter((outcome) => outcome.error).map((outcome) => outcome.error as SurgeError);
    const errorsByKind: Record<string, number> = {};
    for (const error of errors) errorsByKind[error.kind] = (errorsByKind[error.kind] ?? 0) + 1;
    const allTurns = outcomes.flatMap((outcome) => outcome.turns);
    const startStep = deps.flows.welcome[0].name;
    return {
      options,
      botEntry: entry.description,
      seedSeconds,
      flows: tallyFlows(outcomes),
      completed: outcomes.filter((outcome) => outcome.completed).length,
      errors: errors.length,
      errorsByKind,
      errorSamples: errors.slice(0, ERROR_SAMPLES),
      turns: latencyOf(allTurns.map((turn) => turn.ms)),
      conversationStarts: latencyOf(allTurns.filter((turn) => turn.step === startStep).map((turn) => turn.ms)),
      messages: latencyOf(allTurns.filter((turn) => turn.step !== startStep).map((turn) => turn.ms)),
      steps: latencyByStep(outcomes),
      turnsPerSecond: allTurns.length / surgeSeconds,
      surgeSeconds,
      totalSeconds: (performance.now() - begunAt) / 1000,
      instances,
      redis: { ...memory, conversations: customers.length, bytesPerConversation: memory.bytes / customers.length },
      ledgerVerify,
      records,
      ledgerConsistent: ledgerVerify.exitCode === 0 && ledgerVerify.report?.ok === true && Object.keys(records.mismatches).length === 0,
      mail: { received: sink.received, codesRead: mailbox.claimed, other: mailbox.unclaimed },
      stores: { redisPrefix: stores.redisPrefix, schema: stores.schema },
    };
  } finally {
    process.off('SIGINT', interrupted);
    await cleanUp();
  }
}

async function main(): Promise<number> {
  const options = parseSurgeOptions(process.argv.slice(2));
  console.log(`surge${options.quick ? ' (--quick)' : ''}: ${options.customers} customers over Direct Line against two instances; ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(2)}`);
  const result = await runSurge(options);
  printSurgeReport(result);
  return result.errors === 0 && result.ledgerConsistent && result.instances.every((instance) => !instance.exitedDuringSurge) ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof SurgeUsageError) {
        process.stderr.write(`surge: ${err.message}\n`);
        process.exit(2);
      }
      process.stderr.write(`surge failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
