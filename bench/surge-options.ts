/**
 * The options of `npm run surge` (bench/surge.ts), from its command line:
 *
 *   --customers N       customers, each one whole flow                        @default 1000 (--quick: 100)
 *   --concurrency C     customers in flight at once                           @default 200 (--quick: 50)
 *   --think-ms MIN-MAX  pause before each message, uniform in [MIN, MAX] ms   @default 500-3000 (--quick: 200-1000)
 *   --mix W,S,C,R       weights of the flows welcome, withdraw, status, concern  @default 1,3,2,2
 *   --seed N            seed of the run's choices (who runs which flow, think times)  @default 1
 *   --timeout-ms T      longest wait for an answer, a turn's replies or a mail  @default 30000
 *   --settle-seconds S  idle time after the surge before each instance's RSS is read again  @default 15 (--quick: 5)
 *   --quick             a small run for a laptop
 *
 * Environment: BENCH_REDIS_URL (redis://127.0.0.1:6379), DATABASE_URL (postgres://postgres@127.0.0.1:5432/test),
 * BENCH_BOT_ENTRY (`built` | `source`).
 */
import { FLOW_KINDS, FlowKind } from './surge-customers';

export interface SurgeOptions {
  readonly customers: number;
  readonly concurrency: number;
  readonly thinkMs: { readonly min: number; readonly max: number };
  readonly mix: Readonly<Record<FlowKind, number>>;
  readonly seed: number;
  readonly timeoutMs: number;
  /** Seconds the bots stand idle after the last customer before their RSS is read again. */
  readonly settleSeconds: number;
  readonly quick: boolean;
  readonly redisUrl: string;
  readonly databaseUrl: string;
  /** Print progress every ten seconds (the command line does; a test need not). */
  readonly progress: boolean;
}

export const DEFAULT_SURGE_OPTIONS: SurgeOptions = Object.freeze({
  customers: 1000,
  concurrency: 200,
  thinkMs: Object.freeze({ min: 500, max: 3000 }),
  mix: Object.freeze({ welcome: 1, withdraw: 3, status: 2, concern: 2 }),
  seed: 1,
  timeoutMs: 30_000, // 30 s
  settleSeconds: 15,
  quick: false,
  redisUrl: 'redis://127.0.0.1:6379',
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
  progress: true,
});

const QUICK = Object.freeze({ customers: 100, concurrency: 50, thinkMs: Object.freeze({ min: 200, max: 1000 }), settleSeconds: 5 });

/** A wrong command line: the message says which option and what it takes. */
export class SurgeUsageError extends Error {}

function whole(option: string, raw: string | undefined, min: number): number {
  const value = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || value < min) throw new SurgeUsageError(`${option} takes a whole number of at least ${min} (got "${raw ?? ''}")`);
  return value;
}

/** Reads the command line (`process.argv.slice(2)`) and the environment; unknown options are refused. */
export function parseSurgeOptions(args: readonly string[], env: NodeJS.ProcessEnv = process.env): SurgeOptions {
  const quick = args.includes('--quick');
  let options: SurgeOptions = {
    ...DEFAULT_SURGE_OPTIONS,
    ...(quick ? QUICK : {}),
    quick,
    redisUrl: env.BENCH_REDIS_URL ?? DEFAULT_SURGE_OPTIONS.redisUrl,
    databaseUrl: env.DATABASE_URL ?? DEFAULT_SURGE_OPTIONS.databaseUrl,
  };
  for (let i = 0; i < args.length; i += 1) {
    const [name, inline] = args[i].split(/=(.*)/s, 2);
    if (name === '--quick') continue;
    const value = inline ?? args[++i];
    switch (name) {
      case '--customers':
        options = { ...options, customers: whole(name, value, 1) };
        break;
      case '--concurrency':
        options = { ...options, concurrency: whole(name, value, 1) };
        break;
      case '--seed':
        options = { ...options, seed: whole(name, value, 0) };
        break;
      case '--timeout-ms':
        options = { ...options, timeoutMs: whole(name, value, 100) };
        break;
      case '--settle-seconds':
        options = { ...options, settleSeconds: whole(name, value, 0) };
        break;
      case '--think-ms': {
        const match = /^(\d+)(?:-(\d+))?$/.exec(value ?? '');
        if (!match || Number(match[2] ?? match[1]) < Number(match[1])) throw new SurgeUsageError(`--think-ms takes MIN-MAX in ms, MIN ≤ MAX, e.g. 500-3000 (got "${value ?? ''}")`);
        options = { ...options, thinkMs: { min: Number(match[1]), max: Number(match[2] ?? match[1]) } };
        break;
      }
      case '--mix': {
        const weights = (value ?? '').split(',').map(Number);
        if (weights.length !== FLOW_KINDS.length || weights.some((w) => !Number.isFinite(w) || w < 0) || weights.every((w) => w === 0)) {
          throw new SurgeUsageError(`--mix takes ${FLOW_KINDS.length} weights (${FLOW_KINDS.join(', ')}), e.g. 1,3,2,2 (got "${value ?? ''}")`);
        }
        options = { ...options, mix: Object.fromEntries(FLOW_KINDS.map((kind, k) => [kind, weights[k]])) as Record<FlowKind, number> };
        break;
      }
      default:
        throw new SurgeUsageError(`unknown option "${args[i]}" (options: --customers N, --concurrency C, --think-ms MIN-MAX, --mix W,S,C,R, --seed N, --timeout-ms T, --settle-seconds S, --quick)`);
    }
  }
  return Object.freeze(options);
}
