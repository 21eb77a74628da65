import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../errors/app-error';
import { SHIPPED_LOCALES, ShippedLocale } from '../../i18n/shipped-locales';
import { CHANNELS, Channel } from '../../ledger/purposes/purpose-catalog';
import { PROJECT_ROOT } from '../../paths';
import { REGIMES, Regime } from '../clocks/regimes';

/**
 * The data controller as a consent receipt names it (Kantara CR v1.1 `piiControllers`), and the
 * facts a receipt needs that the purposes catalog does not hold. Data, not code: `config/controller.json`.
 */
export interface Controller {
  /** Legal name (Kantara `piiController`). */
  readonly name: string;
  /** True when acting on behalf of another controller (Kantara `onBehalf`). */
  readonly onBehalf: boolean;
  /** Who to contact about privacy, e.g. "Data Protection Officer". */
  readonly contact: string;
  readonly address: string;
  readonly email: string;
  readonly phone: string;
  readonly piiControllerUrl: string;
  /** The privacy notice (Kantara `policyUrl`). */
  readonly policyUrl: string;
  /**
   * The regime of the controller's main establishment: a breach incident's clock runs under it when none
   * of the people affected is known yet (an anonymous report).
   */
  readonly defaultRegime: Regime;
  /** Regime → jurisdiction code of the receipt (ISO 3166 country or subdivision, or "EU"). */
  readonly jurisdictions: Readonly<Record<Regime, string>>;
  /** Name of the service the purposes belong to, per shipped language (Kantara `service`). */
  readonly service: Readonly<Record<ShippedLocale, string>>;
  /** How consent ends, per shipped language (Kantara `termination`). */
  readonly termination: Readonly<Record<ShippedLocale, string>>;
  /** Purpose id → who the data is disclosed to (Kantara `thirdPartyName`); absent = no disclosure. */
  readonly thirdParties: Readonly<Record<string, string>>;
  /** Channel → DPV personal-data categories a purpose uses on it (Kantara `piiCategory`). */
  readonly piiCategoriesByChannel: Readonly<Record<Channel, readonly string[]>>;
}

export const DEFAULT_CONTROLLER_FILE = path.join(PROJECT_ROOT, 'config', 'controller.json');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

const HTTP_URL = /^https?:\/\/[^\s]+$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** "EU", an ISO 3166-1 alpha-2 country, or an ISO 3166-2 subdivision such as "US-CA". */
const JURISDICTION = /^(EU|[A-Z]{2}(-[A-Z0-9]{1,3})?)$/;

/** What is wrong with the file, one "field: problem" per entry (empty when valid). */
function problemsOf(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const field of ['name', 'contact', 'address', 'phone'] as const) if (!nonEmpty(raw[field])) problems.push(`${field} must be a non-empty string`);
  if (typeof raw.onBehalf !== 'boolean') problems.push('onBehalf must be true or false');
  if (!nonEmpty(raw.email) || !EMAIL.test(raw.email)) problems.push('email must be an e-mail address');
  for (const field of ['piiControllerUrl', 'policyUrl'] as const) if (!nonEmpty(raw[field]) || !HTTP_URL.test(raw[field])) problems.push(`${field} must be an http(s) URL`);
  if (typeof raw.defaultRegime !== 'string' || !(REGIMES as readonly string[]).includes(raw.defaultRegime)) problems.push(`defaultRegime must be one of ${REGIMES.join(', ')}`);
  const jurisdictions = raw.jurisdictions;
  if (!isRecord(jurisdictions)) problems.push(`jurisdictions must map each regime (${REGIMES.join(', ')}) to a jurisdiction code`);
  else {
    for (const regime of REGIMES) {
      const code = jurisdictions[regime];
      if (!nonEmpty(code) || !JURISDICTION.test(code)) problems.push(`jurisdictions.${regime} must be a jurisdiction code such as "EU", "BR" or "US-CA"`);
    }
    for (const key of Object.keys(jurisdictions)) if (!(REGIMES as readonly string[]).includes(key)) problems.push(`jurisdictions.${key} is not a regime (${REGIMES.join(', ')})`);
  }
  for (const field of ['service', 'termination'] as const) {
    const texts = raw[field];
    for (const locale of SHIPPED_LOCALES) if (!isRecord(texts) || !nonEmpty(texts[locale])) problems.push(`${field}.${locale} must be a non-empty string`);
  }
  const thirdParties = raw.thirdParties;
  if (!isRecord(thirdParties)) problems.push('thirdParties must map purpose ids to recipient names ({} when none)');
  else for (const [purposeId, name] of Object.entries(thirdParties)) if (!nonEmpty(name)) problems.push(`thirdParties.${purposeId} must be a non-empty string`);
  const categories = raw.piiCategoriesByChannel;
  for (const channel of CHANNELS) {
    const list = isRecord(categories) ? categories[channel] : undefined;
    if (!Array.isArray(list) || list.length === 0 || !list.every((c) => nonEmpty(c) && /^[a-z][a-z0-9-]*:/.test(c))) {
      problems.push(`piiCategoriesByChannel.${channel} must be a non-empty list of prefixed terms such as "pd:EmailAddress"`);
    }
  }
  return problems;
}

/**
 * Validates a parsed controller file. An invalid one throws `PSB_CONFIG_INVALID` naming every bad
 * field (`details.field` is the first).
 */
export function parseController(raw: unknown, source = 'controller file'): Controller {
  if (!isRecord(raw)) throw new AppError('PSB_CONFIG_INVALID', `${source}: expected a JSON object describing the data controller`, { field: '(root)' });
  const problems = problemsOf(raw);
  if (problems.length > 0) {
    throw new AppError('PSB_CONFIG_INVALID', `${source} is invalid:\n  ${problems.join('\n  ')}`, { field: problems[0].split(' ')[0], problems });
  }
  return Object.freeze(raw as unknown as Controller);
}

/** Reads and validates `config/controller.json` (once, at start). */
export function loadController(file = DEFAULT_CONTROLLER_FILE): Controller {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AppError('PSB_CONFIG_INVALID', `${file}: cannot read the data controller file (${(err as Error).message})`, { field: '(file)' });
  }
  return parseController(raw, file);
}
