import { AgentSession, AgentSessionStore } from './agent-session-store';

/** Sessions in this process (no REDIS_URL): one instance only, gone on restart. */
export class MemoryAgentSessionStore implements AgentSessionStore {
  readonly backend = 'in-process';
  private readonly entries = new Map<string, { session: AgentSession; expiresAt: number }>();

  /** @param now the clock, milliseconds; tests pass a fake one. */
  constructor(private readonly now: () => number = Date.now) {}

  async put(key: string, session: AgentSession, ttlSeconds: number): Promise<void> {
    this.sweep();
    this.entries.set(key, { session: { ...session }, expiresAt: this.now() + ttlSeconds * 1000 });
  }

  async get(key: string, touchTtlSeconds?: number): Promise<AgentSession | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    if (touchTtlSeconds !== undefined) entry.expiresAt = this.now() + touchTtlSeconds * 1000;
    return { ...entry.session };
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  /** Drops expired sessions, so abandoned ones do not pile up. */
  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
