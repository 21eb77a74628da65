import type { Redis } from 'ioredis';
import { AgentError } from '../agent-errors';
import { AgentSession, AgentSessionStore, parseSession } from './agent-session-store';

/**
 * Sessions in Redis under `${prefix}<sha256 of the id>`, so any instance serves an agent's next
 * request and a sign-out anywhere ends the session everywhere. One command per operation: SET EX,
 * GETEX EX (read and restart the lifetime), DEL. Use a fail-fast client (`createRedisClient`):
 * while Redis is down, requests fail at once with PSB_AGENT_UNAVAILABLE.
 */
export class RedisAgentSessionStore implements AgentSessionStore {
  readonly backend = 'redis';

  constructor(
    private readonly client: Redis,
    /** E.g. 'psb:agent:session:'. */
    private readonly prefix: string,
  ) {}

  async put(key: string, session: AgentSession, ttlSeconds: number): Promise<void> {
    await this.run('put', () => this.client.set(this.prefix + key, JSON.stringify(session), 'EX', ttlSeconds));
  }

  async get(key: string, touchTtlSeconds?: number): Promise<AgentSession | undefined> {
    const json = await this.run('get', () => (touchTtlSeconds === undefined ? this.client.get(this.prefix + key) : this.client.getex(this.prefix + key, 'EX', touchTtlSeconds)));
    return json === null ? undefined : parseSession(json);
  }

  async delete(key: string): Promise<void> {
    await this.run('delete', () => this.client.del(this.prefix + key));
  }

  /** The client belongs to the caller, who closes it. */
  async close(): Promise<void> {}

  private async run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw new AgentError('PSB_AGENT_UNAVAILABLE', `agent sessions (Redis) unavailable during ${operation}`, { operation }, { cause: err });
    }
  }
}
