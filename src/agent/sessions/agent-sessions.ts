import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AgentAccount } from '../../ledger/agents/agent-service';
import { AgentError } from '../agent-errors';
import { AgentSession, AgentSessionStore } from './agent-session-store';

/** A resolved session with the key it is stored under (to end it, or to match its event streams). */
export interface ActiveSession extends AgentSession {
  readonly key: string;
}

export interface AgentSessionsOptions {
  readonly store: AgentSessionStore;
  /** Idle lifetime, seconds. */
  readonly ttlSeconds: number;
  /** Absolute lifetime from sign-in, seconds. */
  readonly maxSeconds: number;
  readonly now: () => Date;
}

/** 256 random bits, URL-safe: unguessable session ids and CSRF tokens. */
function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Agent sessions: a random id in the cookie, the session (who, role, CSRF token) on the server
 * under the id's SHA-256. The CSRF token is a second random value bound to the session (the
 * synchronizer-token pattern): a state-changing request must echo it in a header, which another
 * site cannot read or set, so requests stay safe even where `SameSite` is not enforced.
 */
export class AgentSessions {
  constructor(private readonly options: AgentSessionsOptions) {}

  get backend(): AgentSessionStore['backend'] {
    return this.options.store.backend;
  }

  /** Starts a session; returns the id for the cookie and the session. */
  async start(account: AgentAccount): Promise<{ id: string; session: ActiveSession }> {
    const id = randomToken();
    const session: AgentSession = { username: account.username, role: account.role, csrfToken: randomToken(), createdAt: this.options.now().toISOString() };
    const key = keyOf(id);
    await this.options.store.put(key, session, this.options.ttlSeconds);
    return { id, session: { ...session, key } };
  }

  /**
   * The session of a cookie's id, or undefined (no id, unknown, expired, past its absolute
   * lifetime). `touch` restarts the idle lifetime.
   */
  async resolve(id: string | undefined, touch: boolean): Promise<ActiveSession | undefined> {
    if (id === undefined || !TOKEN.test(id)) return undefined;
    return this.resolveKey(keyOf(id), touch);
  }

  /** As `resolve`, by the stored key (the event stream rechecks its session this way). */
  async resolveKey(key: string, touch: boolean): Promise<ActiveSession | undefined> {
    const session = await this.options.store.get(key, touch ? this.options.ttlSeconds : undefined);
    if (!session) return undefined;
    const age = this.options.now().getTime() - Date.parse(session.createdAt);
    if (!(age < this.options.maxSeconds * 1000)) {
      await this.options.store.delete(key);
      return undefined;
    }
    return { ...session, key };
  }

  async end(session: ActiveSession): Promise<void> {
    await this.options.store.delete(session.key);
  }

  /** @throws AgentError PSB_AGENT_CSRF unless `header` is the session's token. */
  checkCsrf(session: AgentSession, header: string | undefined): void {
    const expected = Buffer.from(session.csrfToken, 'utf8');
    const given = Buffer.from(header ?? '', 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AgentError('PSB_AGENT_CSRF', undefined, header ? { reason: 'mismatch' } : { reason: 'missing' });
    }
  }

  close(): Promise<void> {
    return this.options.store.close();
  }
}

function keyOf(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}
