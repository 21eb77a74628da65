import { StatePropertyAccessor, TurnContext } from 'botbuilder';
import { turnSession } from './turn-session';

type Scope = 'conversation' | 'user';

/**
 * A named property of the turn's conversation or user document, usable wherever botbuilder
 * expects a StatePropertyAccessor (DialogSet, prompts). Reads and writes touch memory only;
 * the turn runner persists the documents once at the end of the turn.
 */
export class SessionProperty<T> implements StatePropertyAccessor<T> {
  constructor(
    private readonly scope: Scope,
    private readonly name: string,
  ) {}

  get(context: TurnContext): Promise<T | undefined>;
  get(context: TurnContext, defaultValue: T): Promise<T>;
  async get(context: TurnContext, defaultValue?: T): Promise<T | undefined> {
    const doc = turnSession(context)[this.scope].doc;
    if (doc[this.name] === undefined && defaultValue !== undefined) {
      // Like BotStatePropertyAccessor: store a copy of the default so later mutations persist.
      doc[this.name] = typeof defaultValue === 'object' && defaultValue !== null ? structuredClone(defaultValue) : defaultValue;
    }
    return doc[this.name] as T | undefined;
  }

  async set(context: TurnContext, value: T): Promise<void> {
    turnSession(context)[this.scope].doc[this.name] = value;
  }

  async delete(context: TurnContext): Promise<void> {
    delete turnSession(context)[this.scope].doc[this.name];
  }
}
