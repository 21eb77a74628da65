import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../paths';

/** How sure we are who the customer is. Ordered: each level includes the ones before it. */
export const ASSURANCE_ORDER = ['anonymous', 'identified', 'verified'] as const;
export type Assurance = (typeof ASSURANCE_ORDER)[number];

export function isAssurance(value: unknown): value is Assurance {
  return typeof value === 'string' && (ASSURANCE_ORDER as readonly string[]).includes(value);
}

/** True when `held` is at least `needed`. */
export function satisfies(held: Assurance, needed: Assurance): boolean {
  return ASSURANCE_ORDER.indexOf(held) >= ASSURANCE_ORDER.indexOf(needed);
}

/** Actions whose assurance the policy must set; a policy file missing one is refused. */
/**
 * `consent.optOutSale`: the CCPA opt-out of the sale or sharing of personal information, recorded as a
 * withdrawal of `partner_sharing` on every channel (a request of its own, or the browser's GPC signal).
 * `concern.reply`: a customer who reported a concern wants the privacy team to get back to them; the
 * contact they type is matched to their records (a reply about their own data).
 * `incident.affected`: "was my data affected?" while an incident notice is published (a yes/no about the person).
 */
export const POLICY_ACTIONS = ['consent.withdraw', 'consent.give', 'consent.optOutSale', 'consent.view', 'consent.history', 'data.copy', 'request.status', 'concern.report', 'concern.reply', 'agent.request', 'incident.affected'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

export interface AssurancePolicy {
  /** The level an action needs. */
  required(action: PolicyAction): Assurance;
  /** True when a customer at `held` may do `action`. */
  allows(action: PolicyAction, held: Assurance): boolean;
}

export const DEFAULT_POLICY_FILE = path.join(PROJECT_ROOT, 'config', 'assurance-policy.json');

/** Checks a parsed policy; an unknown action, a missing one or an unknown level throws naming it. */
export function parseAssurancePolicy(raw: unknown, source = 'assurance policy'): AssurancePolicy {
  const actions = (raw as { actions?: unknown } | null)?.actions;
  if (typeof actions !== 'object' || actions === null || Array.isArray(actions)) throw new Error(`${source}: expected {"actions": {"<action>": "<level>"}}`);
  const table = actions as Record<string, unknown>;
  const problems: string[] = [];
  for (const [action, level] of Object.entries(table)) {
    if (!(POLICY_ACTIONS as readonly string[]).includes(action)) problems.push(`unknown action "${action}" (known: ${POLICY_ACTIONS.join(', ')})`);
    if (!isAssurance(level)) problems.push(`action "${action}": level must be one of ${ASSURANCE_ORDER.join(', ')}`);
  }
  for (const action of POLICY_ACTIONS) if (!(action in table)) problems.push(`action "${action}" has no level`);
  if (problems.length > 0) throw new Error(`${source} is invalid:\n  ${problems.join('\n  ')}`);
  const levels = new Map(POLICY_ACTIONS.map((action) => [action, table[action] as Assurance]));
  return Object.freeze({
    required: (action: PolicyAction) => levels.get(action) ?? 'verified',
    allows: (action: PolicyAction, held: Assurance) => satisfies(held, levels.get(action) ?? 'verified'),
  });
}

export function loadAssurancePolicy(file = DEFAULT_POLICY_FILE): AssurancePolicy {
  return parseAssurancePolicy(JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
}
