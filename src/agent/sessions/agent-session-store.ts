import { AgentRole, isAgentRole } from '../../ledger/agents/agent-service';

/** What the server keeps about a signed-in agent. The cookie holds only a random id. */
export interface AgentSession {
  readonly username: string;
  readonly role: AgentRole;
  /** Must come back in `X-CSRF-Token` on every state-changing request. */
  readonly csrfToken: string;
  /** ISO instant of the sign-in (the absolute lifetime counts from it). */
  readonly createdAt: string;
}

/**
 * Where sessions live: Redis when the bot has REDIS_URL (any instance serves an agent's next
 * request), in-process otherwise. Keys are SHA-256 hashes of session ids, so a copy of the store
 * does not hold usable cookies. Every entry expires `ttlSeconds` after it was last written or
 * touched. Failures reject with AgentError PSB_AGENT_UNAVAILABLE.
 */
export interface AgentSessionStore {
  /** Where sessions live, for the start-up log. */
  readonly backend: 'redis' | 'in-process';
  put(key: string, session: AgentSession, ttlSeconds: number): Promise<void>;
  /** The session, its lifetime restarted at `ttlSeconds` when given. */
  get(key: string, touchTtlSeconds?: number): Promise<AgentSession | undefined>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/** Parses a stored session; anything else (a foreign or damaged value) reads as no session. */
export function parseSession(json: string): AgentSession | undefined {
  try {
    const value = JSON.parse(json) as Partial<AgentSession>;
    if (typeof value.username !== 'string' || !isAgentRole(value.role) || typeof value.csrfToken !== 'string' || typeof value.createdAt !== 'string') {
      return undefined;
    }
    return { username: value.username, role: value.role, csrfToken: value.csrfToken, createdAt: value.createdAt };
  } catch {
    return undefined;
  }
}
