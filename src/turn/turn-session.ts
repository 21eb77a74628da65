import { Storage, StoreItem, TurnContext } from 'botbuilder';
import { CREATE_ONLY_ETAG } from '../state/etag';
import { conversationStateKey, userStateKey } from './session-keys';

const SESSION_KEY = Symbol('psb.session');

/** One stored document (conversation or user state) as loaded for a turn. */
interface LoadedDocument {
  readonly key: string;
  /** The object dialogs read and mutate; saved back at the end of the turn. */
  readonly doc: Record<string, unknown>;
  /** The eTag read with it, or CREATE_ONLY_ETAG when the key did not exist. */
  readonly eTag: string;
  /** Serialised form at load, to tell whether the turn changed it. */
  readonly snapshot: string;
}

/** The state of one turn: conversation and user documents, read together and written together. */
export class TurnSession {
  constructor(
    readonly conversation: LoadedDocument,
    readonly user: LoadedDocument,
  ) {}

  /** Documents the turn changed, with the eTag they were read with (never '*'). */
  changes(): Record<string, StoreItem> {
    const changes: Record<string, StoreItem> = {};
    for (const loaded of [this.conversation, this.user]) {
      if (JSON.stringify(loaded.doc) !== loaded.snapshot) changes[loaded.key] = { ...loaded.doc, eTag: loaded.eTag };
    }
    return changes;
  }
}

function toLoaded(key: string, item: StoreItem | undefined): LoadedDocument {
  const { eTag, ...doc } = (item ?? {}) as Record<string, unknown>;
  return { key, doc, eTag: typeof eTag === 'string' && item ? eTag : CREATE_ONLY_ETAG, snapshot: JSON.stringify(doc) };
}

/**
 * Reads and writes a turn's state with at most two storage calls: one read of both keys and
 * one write of whatever changed, conditional on the eTags read (unlike BotState.saveChanges,
 * which forces '*'). A concurrent turn that committed first makes the write reject with
 * StateConflictError; the turn runner then reloads and re-runs the turn.
 */
export class SessionStore {
  constructor(private readonly storage: Storage) {}

  async load(context: TurnContext): Promise<TurnSession> {
    const conversationKey = conversationStateKey(context.activity);
    const userKey = userStateKey(context.activity);
    const items = await this.storage.read([conversationKey, userKey]);
    const session = new TurnSession(toLoaded(conversationKey, items[conversationKey]), toLoaded(userKey, items[userKey]));
    context.turnState.set(SESSION_KEY, session);
    return session;
  }

  async commit(session: TurnSession): Promise<void> {
    const changes = session.changes();
    if (Object.keys(changes).length > 0) await this.storage.write(changes);
  }
}

/** The session loaded for this turn; throws when used outside the turn runner. */
export function turnSession(context: TurnContext): TurnSession {
  const session = context.turnState.get(SESSION_KEY) as TurnSession | undefined;
  if (!session) throw new Error('no session loaded for this turn: state is only available inside the turn runner');
  return session;
}
