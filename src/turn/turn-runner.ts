import { TurnContext } from 'botbuilder';
import { AppError, isAppError } from '../errors/app-error';
import type { Logger } from '../log/logger';
import { isStateConflict } from '../state/state-errors';
import { ConversationBookkeeping } from '../bot/session-types';
import { KeyedMutex } from './keyed-mutex';
import { TaskSlots } from '../concurrency/task-slots';
import { ReplyBuffer } from './reply-buffer';
import { conversationStateKey } from './session-keys';
import { SessionStore, TurnSession } from './turn-session';

/** How many recent activity ids a conversation remembers to recognise redeliveries. */
export const REMEMBERED_ACTIVITY_IDS = 50;

export interface TurnRunnerOptions {
  store: SessionStore;
  /** Attempts before giving up with PSB_TURN_BUSY. */
  maxAttempts: number;
  logger: Logger;
  /** Pause before retry `attempt` (ms); jittered so racing instances spread out. */
  backoffMs?: (attempt: number) => number;
  /** Turns this process runs at once (TURN_CONCURRENCY); more wait in arrival order. @default unlimited */
  concurrency?: number;
  /** Told how each turn ended and of each lost state race (metrics). @default none */
  observer?: TurnObserver;
}

export type TurnOutcome = 'committed' | 'duplicate';

/** How a turn ended: an outcome, or why it failed (PSB_TURN_BUSY, the state store down, anything else). */
export type TurnEnd = TurnOutcome | 'busy' | 'state_unavailable' | 'failed';

export interface TurnObserver {
  /** `seconds` from arrival to the end, waiting for the conversation's earlier turns and a slot included. */
  turnEnded(end: TurnEnd, seconds: number): void;
  /** An attempt lost a state race (another writer committed first) and the turn is re-run or given up. */
  stateConflict(): void;
}

function failureOf(err: unknown): TurnEnd {
  if (isAppError(err, 'PSB_TURN_BUSY')) return 'busy';
  return isAppError(err, 'PSB_STATE_UNAVAILABLE') ? 'state_unavailable' : 'failed';
}

const BOOKKEEPING = 'bookkeeping';

function bookkeeping(session: TurnSession): ConversationBookkeeping {
  const doc = session.conversation.doc;
  const current = doc[BOOKKEEPING] as ConversationBookkeeping | undefined;
  const value: ConversationBookkeeping = current ?? { turnCount: 0, processedActivityIds: [] };
  doc[BOOKKEEPING] = value;
  return value;
}

const defaultBackoff = (attempt: number): number => Math.random() * Math.min(200, 10 * 2 ** attempt);

/**
 * Runs a turn so that no update is lost and each message gets exactly its replies:
 * turns of one conversation are serialised in this process; state is read once and written
 * once, conditional on the eTags read; when another instance committed first, the attempt's
 * replies are dropped and the turn is re-run on fresh state. A redelivered activity id is
 * recognised from the conversation's bookkeeping and processed once.
 */
export class TurnRunner {
  private readonly mutex = new KeyedMutex();
  private readonly backoffMs: (attempt: number) => number;
  private readonly slots: TaskSlots | undefined;

  constructor(private readonly options: TurnRunnerOptions) {
    this.backoffMs = options.backoffMs ?? defaultBackoff;
    this.slots = options.concurrency === undefined ? undefined : new TaskSlots(options.concurrency);
  }

  async run(context: TurnContext, logic: (context: TurnContext, session: TurnSession) => Promise<void>): Promise<TurnOutcome> {
    const observer = this.options.observer;
    if (!observer) return this.queued(context, logic);
    const started = process.hrtime.bigint();
    const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const outcome = await this.queued(context, logic);
      observer.turnEnded(outcome, seconds());
      return outcome;
    } catch (err) {
      observer.turnEnded(failureOf(err), seconds());
      throw err;
    }
  }

  private queued(context: TurnContext, logic: (context: TurnContext, session: TurnSession) => Promise<void>): Promise<TurnOutcome> {
    // A conversation's turns queue on its key first, so one busy conversation holds at most one slot.
    return this.mutex.run(conversationStateKey(context.activity), () => (this.slots ? this.slots.run(() => this.attempt(context, logic)) : this.attempt(context, logic)));
  }

  private async attempt(context: TurnContext, logic: (context: TurnContext, session: TurnSession) => Promise<void>): Promise<TurnOutcome> {
    const replies = new ReplyBuffer(context);
    const baseline = new Map(context.turnState);
    const activityId = context.activity.id;
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      try {
        const session = await this.options.store.load(context);
        const books = bookkeeping(session);
        if (activityId && books.processedActivityIds.includes(activityId)) return 'duplicate';
        await logic(context, session);
        books.turnCount += 1;
        if (activityId) books.processedActivityIds = [...books.processedActivityIds, activityId].slice(-REMEMBERED_ACTIVITY_IDS);
        await this.options.store.commit(session);
        await replies.flush();
        return 'committed';
      } catch (err) {
        if (!isStateConflict(err)) {
          replies.disable();
          throw err;
        }
        this.options.observer?.stateConflict();
        replies.discard();
        this.restore(context, baseline);
        this.options.logger.debug({ attempt, code: err.code }, 'turn lost a state race; re-running on fresh state');
        await new Promise((resolve) => setTimeout(resolve, this.backoffMs(attempt)));
      }
    }
    replies.disable();
    throw new AppError('PSB_TURN_BUSY', `turn not committed after ${this.options.maxAttempts} attempts`, { attempts: this.options.maxAttempts });
  }

  /** Forgets what a lost attempt left in the turn state (dialog caches, the session). */
  private restore(context: TurnContext, baseline: Map<unknown, unknown>): void {
    for (const key of [...context.turnState.keys()]) if (!baseline.has(key)) context.turnState.delete(key);
    for (const [key, value] of baseline) context.turnState.set(key, value);
  }
}
