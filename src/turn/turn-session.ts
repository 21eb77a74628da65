import { Storage, StoreItem, TurnContext } from 'botbuilder';
import { DocumentChange, DocumentStorage, isDocumentStorage } from '../state/document-storage';
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

  /** The same changes as store items, for a plain botbuilder Storage. */
  changes(): Record<string, StoreItem> {
    const changes: Record<string, StoreItem> = {};
    for (const [key, { expectedETag }] of Object.entries(this.changedDocuments())) {
      const loaded = key === this.conversation.key ? this.conversation : this.user;
      changes[key] = { ...loaded.doc, eTag: expectedETag };
    }
    return changes;
  }
}

/** What a missing key loads as: an empty document that must still not exist when written. */
const EMPTY = '{}';

function toLoaded(key: string, item: StoreItem | undefined): LoadedDocument {
  const { eTag, ...doc } = (item ?? {}) as Record<string, unknown>;
  return { key, doc, eTag: typeof eTag === 'string' && item ? eTag : CREATE_ONLY_ETAG, snapshot: JSON.stringify(doc) };
}

/**
 * Reads and writes a turn's state with at most two storage calls: one read of both keys and
 * one write of whatever changed, conditional on the eTags read (unlike BotState.saveChanges,
 * which forces '*'). A concurrent turn that committed first makes the write reject with
 * StateConflictError; the turn runner then reloads and re-runs the turn. On a DocumentStorage
 * (ours: Redis, in-process) each document is parsed once and serialised once per turn: the JSON
 * text read is the snapshot, and the text that tells a change is the text written.
 */
export class SessionStore {
  constructor(private readonly storage: Storage) {}

  async load(context: TurnContext): Promise<TurnSession> {
    const conversationKey = conversationStateKey(context.activity);
    const userKey = userStateKey(context.activity);
    const session = isDocumentStorage(this.storage) ? await this.loadDocuments(conversationKey, userKey) : await this.loadItems(conversationKey, userKey);
    context.turnState.set(SESSION_KEY, session);
    return session;
  }

  async commit(session: TurnSession): Promise<void> {
    if (isDocumentStorage(this.storage)) {
      const changes = session.changedDocuments();
      if (Object.keys(changes).length > 0) await this.storage.writeDocuments(changes);
      return;
    }
    const changes = session.changes();
    if (Object.keys(changes).length > 0) await this.storage.write(changes);
  }

  private async loadItems(conversationKey: string, userKey: string): Promise<TurnSession> {
    const items = await this.storage.read([conversationKey, userKey]);
    return new TurnSession(toLoaded(conversationKey, items[conversationKey]), toLoaded(userKey, items[userKey]));
  }

  private async loadDocuments(conversationKey: string, userKey: string): Promise<TurnSession> {
    const documents = await (this.storage as Storage & DocumentStorage).readDocuments([conversationKey, userKey]);
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
