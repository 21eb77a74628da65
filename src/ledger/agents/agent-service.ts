import { appendAudit, WriteContext } from '../audit/audit-log';
import { SqlDatabase } from '../db/sql-database';
import { LedgerError } from '../ledger-errors';
import { hashPassword, verifyPassword } from './password-hash';

/**
 * Console roles: `agent` works the handoff queue (their own conversations); `supervisor` sees and acts
 * on every conversation and works access requests; `privacy` (the privacy team) works access requests
 * only; `surge` (outsourced staff during a breach) takes only the handoffs about an incident, without
 * the ledger's data about the customer. What each role may open is `src/agent/console-roles.ts`.
 */
export const AGENT_ROLES = ['agent', 'supervisor', 'privacy', 'surge'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export function isAgentRole(value: unknown): value is AgentRole {
  return (AGENT_ROLES as readonly unknown[]).includes(value);
}

export interface AgentAccount {
  readonly username: string;
  readonly role: AgentRole;
}

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,62}$/;
/** Shortest password accepted for an agent account (NIST SP 800-63B: at least 8; we ask 12). */
export const MIN_PASSWORD_LENGTH = 12;

/** Agent accounts: created by an administrator, checked at sign-in; every change audited. */
export class AgentService {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => Date,
  ) {}

  async add(username: string, role: AgentRole, password: string, context: WriteContext): Promise<AgentAccount> {
    if (!USERNAME.test(username)) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'username must be 2–63 lower-case letters, digits, dots, dashes or underscores', { field: 'username' });
    if (!isAgentRole(role)) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `role must be one of ${AGENT_ROLES.join(', ')}`, { field: 'role' });
    if (password.length < MIN_PASSWORD_LENGTH) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `the password needs at least ${MIN_PASSWORD_LENGTH} characters`, { field: 'password' });
    const passwordHash = await hashPassword(password);
    return this.db.transaction(async (tx) => {
      if ((await tx.query('SELECT 1 FROM agent_account WHERE username = $1', [username])).rows.length > 0) {
        throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `agent "${username}" already exists`, { field: 'username' });
      }
      const at = this.now();
      await tx.query('INSERT INTO agent_account (username, role, password_hash, created_at) VALUES ($1, $2, $3, $4)', [username, role, passwordHash, at]);
      await appendAudit(tx, context, { action: 'agent.added', entity: 'agent_account', entityId: username, details: { role } }, at);
      return { username, role };
    });
  }

  /** The account when the password matches an enabled account; undefined otherwise (same answer for both). */
  async authenticate(username: string, password: string): Promise<AgentAccount | undefined> {
    const row = (await this.db.query<{ username: string; role: AgentRole; password_hash: string }>('SELECT username, role, password_hash FROM agent_account WHERE username = $1 AND disabled_at IS NULL', [username])).rows[0];
    // Hash anyway when the account is unknown, so timing does not tell which usernames exist.
    const ok = await verifyPassword(password, row?.password_hash ?? 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    return row && ok ? { username: row.username, role: row.role } : undefined;
  }

  async get(username: string): Promise<AgentAccount | undefined> {
    const row = (await this.db.query<{ username: string; role: AgentRole }>('SELECT username, role FROM agent_account WHERE username = $1 AND disabled_at IS NULL', [username])).rows[0];
    return row ? { username: row.username, role: row.role } : undefined;
  }
}
