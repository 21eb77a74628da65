import { TurnContext } from 'botbuilder';
import { DocumentChange, DocumentStorage } from '../state/document-storage';
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

  /** Documents the turn changed, as JSON, each with the eTag it was read with (never '*'). */
  changedDocuments(): Record<string, DocumentChange> {
    const changes: Record<string, DocumentChange> = {};
    for (const loaded of [this.conversation, this.user]) {
      const json = JSON.stringify(loaded.doc);
      if (json !== loaded.snapshot) changes[loaded.key] = { expectedETag: loaded.eTag, json };
    }
    return changes;
  }
}

/** What a missing key loads as: an empty document that must still not exist when written. */
const EMPTY = '{}';

/**
 * Reads and writes a turn's state with at most two storage calls: one read of both keys and
 * one write of whatever changed, conditional on the eTags read (unlike BotState.saveChanges,
 * which forces '*'). A concurrent turn that committed first makes the write reject with
 * StateConflictError; the turn runner then reloads and re-runs the turn. Each document is parsed
 * once and serialised once per turn (a DocumentStorage: Redis, in-process): the JSON text read is
 * the snapshot, and the text that tells a change is the text written.
 */
export class SessionStore {
  constructor(private readonly storage: DocumentStorage) {}

  async load(context: TurnContext): Promise<TurnSession> {
    const conversationKey = conversationStateKey(context.activity);
    const userKey = userStateKey(context.activity);
    const session = await this.loadDocuments(conversationKey, userKey);
    context.turnState.set(SESSION_KEY, session);
    return session;
  }

  async commit(session: TurnSession): Promise<void> {
    const changes = session.changedDocuments();
    if (Object.keys(changes).length > 0) await this.storage.writeDocuments(changes);
  }

  private async loadDocuments(conversationKey: string, userKey: string): Promise<TurnSession> {
    const documents = await this.storage.readDocuments([conversationKey, userKey]);
    const loaded = (key: string): LoadedDocument => {
      const stored = documents[key];
      if (!stored) return { key, doc: {}, eTag: CREATE_ONLY_ETAG, snapshot: EMPTY };
      return { key, doc: JSON.parse(stored.json) as Record<string, unknown>, eTag: stored.eTag, snapshot: stored.json };
    };
    return new TurnSession(loaded(conversationKey), loaded(userKey));
  }
}

/** The session loaded for this turn; throws when used outside the turn runner. */
export function turnSession(context: TurnContext): TurnSession {
  const session = context.turnState.get(SESSION_KEY) as TurnSession | undefined;
  if (!session) throw new Error('no session loaded for this turn: state is only available inside the turn runner');
  return session;
}
