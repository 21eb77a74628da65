/** Percentiles and tallies of a surge's turns (bench/surge.ts). */
import { percentile } from './percentile';
import type { CustomerOutcome } from './surge-customer';
import { FLOW_KINDS, FlowKind } from './surge-customers';

export interface Latency {
  readonly turns: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface FlowTally extends Latency {
  readonly kind: FlowKind;
  readonly planned: number;
  readonly completed: number;
  readonly failed: number;
}

export interface StepLatency extends Latency {
  readonly step: string;
}

export function latencyOf(values: readonly number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  return { turns: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.length ? sorted[sorted.length - 1] : Number.NaN };
}

export function tallyFlows(outcomes: readonly CustomerOutcome[]): FlowTally[] {
  return FLOW_KINDS.map((kind) => {
    const mine = outcomes.filter((outcome) => outcome.customer.kind === kind);
    return {
      kind,
      planned: mine.length,
      completed: mine.filter((outcome) => outcome.completed).length,
      failed: mine.filter((outcome) => !outcome.completed).length,
      ...latencyOf(mine.flatMap((outcome) => outcome.turns.map((turn) => turn.ms))),
    };
  });
}

/** Each step's latency, in the order the steps first appear. */
export function latencyByStep(outcomes: readonly CustomerOutcome[]): StepLatency[] {
  const byStep = new Map<string, number[]>();
  for (const outcome of outcomes) {
    for (const turn of outcome.turns) {
      const list = byStep.get(turn.step) ?? [];
      list.push(turn.ms);
      byStep.set(turn.step, list);
    }
  }
  return [...byStep.entries()].map(([step, values]) => ({ step, ...latencyOf(values) }));
}
