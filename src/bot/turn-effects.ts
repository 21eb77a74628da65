import { TurnContext } from 'botbuilder';

const EFFECTS_KEY = Symbol('psb.turnEffects');

/**
 * Lets side effects outside the session (queueing a handoff, relaying a message) happen once per
 * turn even when the turn runner re-runs the turn after losing a state race. Call before the
 * runner starts: what the runner keeps across attempts is the turn state it found.
 */
export function keepEffectsAcrossAttempts(context: TurnContext): void {
  context.turnState.set(EFFECTS_KEY, new Map<string, Promise<unknown>>());
}

/**
 * Runs `effect` the first time `key` is asked for in this turn and hands later attempts the
 * same result. A failed effect is forgotten (a re-run tries again). Outside a turn prepared with
 * `keepEffectsAcrossAttempts` (dialog tests), it simply runs.
 */
export function onceThisTurn<T>(context: TurnContext, key: string, effect: () => Promise<T>): Promise<T> {
  const memo = context.turnState.get(EFFECTS_KEY) as Map<string, Promise<unknown>> | undefined;
  if (!memo) return effect();
  const earlier = memo.get(key) as Promise<T> | undefined;
  if (earlier) return earlier;
  const running = effect();
  memo.set(key, running);
  running.catch(() => memo.delete(key));
  return running;
}

/**
 * Whether an effect whose key starts with `prefix` ran (or is running) in this turn, in this attempt
 * or an earlier one: a re-run on the state another instance committed can tell that the message it
 * answers was already acted on by an attempt of its own. False outside a prepared turn.
 */
export function ranThisTurn(context: TurnContext, prefix: string): boolean {
  const memo = context.turnState.get(EFFECTS_KEY) as Map<string, Promise<unknown>> | undefined;
  return memo !== undefined && [...memo.keys()].some((key) => key.startsWith(prefix));
}
