import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../errors/app-error';
import { SHIPPED_LOCALES, ShippedLocale } from '../../../i18n/shipped-locales';
import { PROJECT_ROOT } from '../../../paths';
import { REGIMES, Regime } from '../../clocks/regimes';

/** A sentence in every shipped language. */
export type RegisterText = Readonly<Record<ShippedLocale, string>>;

/** The supervisory authority a customer may complain to, for one regime. */
export interface SupervisoryAuthority {
  readonly name: RegisterText;
  /** Postal address, as written locally. */
  readonly address: string;
  /** Web site without scheme ("www.garanteprivacy.it"): shown as text, never a link, so the report loads nothing. */
  readonly website: string;
}

/** The rights every copy states (Art. 15(1)(e)); portability is optional. */
export const REQUIRED_RIGHTS = ['rectification', 'erasure', 'restriction', 'objection'] as const;
export const OPTIONAL_RIGHTS = ['portability'] as const;
export type DataSubjectRight = (typeof REQUIRED_RIGHTS)[number] | (typeof OPTIONAL_RIGHTS)[number];

/**
 * What Art. 15(1) GDPR says a copy must tell besides the data (and the other regimes' equivalents):
 * the company's record of processing as the customer reads it. Data, not code:
 * `config/processing-register.json`.
 */
export interface ProcessingRegister {
  /** (a) Purposes of the processing, with their legal basis. */
  readonly purposes: readonly RegisterText[];
  /** (b) Categories of personal data. */
  readonly categories: readonly RegisterText[];
  /** (c) Recipients or categories of recipients. */
  readonly recipients: readonly RegisterText[];
  /** (d) Retention periods, or the criteria that set them. */
  readonly retention: readonly RegisterText[];
  /** (g) Where data not collected from the customer comes from. */
  readonly sources: readonly RegisterText[];
  /** (h) Automated decision-making including profiling: whether used, and its logic and consequences (or that there is none). */
  readonly automatedDecisions: { readonly used: boolean; readonly description: RegisterText };
  /** (e) The rights to rectify, erase, restrict and object (and portability, when stated). */
  readonly rights: Readonly<Partial<Record<DataSubjectRight, RegisterText>>> & Readonly<Record<(typeof REQUIRED_RIGHTS)[number], RegisterText>>;
  /** (f) Where to complain: the authority per regime (GDPR: the controller's lead authority). */
  readonly authorities: Readonly<Record<Regime, SupervisoryAuthority>>;
  /** Art. 15(2): transfers to third countries and their safeguards. */
  readonly transfers: readonly RegisterText[];
}

/** The list sections, in the order the report shows them. */
export const REGISTER_LISTS = ['purposes', 'categories', 'recipients', 'retention', 'sources', 'transfers'] as const;

export const DEFAULT_PROCESSING_REGISTER_FILE = path.join(PROJECT_ROOT, 'config', 'processing-register.json');

const TOP_LEVEL = new Set<string>(['$comment', ...REGISTER_LISTS, 'automatedDecisions', 'rights', 'authorities']);
/** A scheme anywhere in a website: the report must not link or load anything. */
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const WEBSITE = /^[a-z0-9.-]+\.[a-z]{2,}(\/[^\s]*)?$/i;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function textProblems(value: unknown, field: string): string[] {
  if (!isRecord(value)) return [`${field} must be an object with a sentence per language (${SHIPPED_LOCALES.join(', ')})`];
  const problems = SHIPPED_LOCALES.filter((locale) => !nonEmpty(value[locale])).map((locale) => `${field}.${locale} must be a non-empty string`);
  for (const key of Object.keys(value)) if (!(SHIPPED_LOCALES as readonly string[]).includes(key)) problems.push(`${field}.${key} is not a shipped language (${SHIPPED_LOCALES.join(', ')})`);
  return problems;
}

/** What is wrong with the file, one "field: problem" per entry (empty when valid). */
function problemsOf(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(raw)) if (!TOP_LEVEL.has(key)) problems.push(`${key} is not a section of the register (${[...TOP_LEVEL].filter((k) => k !== '$comment').join(', ')})`);
  for (const list of REGISTER_LISTS) {
    const items = raw[list];
    if (!Array.isArray(items) || items.length === 0) problems.push(`${list} must be a non-empty list of sentences, each {${SHIPPED_LOCALES.map((l) => `"${l}": "…"`).join(', ')}}`);
    else items.forEach((item, i) => problems.push(...textProblems(item, `${list}[${i}]`)));
  }
  const automated = raw.automatedDecisions;
  if (!isRecord(automated)) problems.push('automatedDecisions must be {"used": true|false, "description": {…}} (say "none" in the description when there is none)');
  else {
    if (typeof automated.used !== 'boolean') problems.push('automatedDecisions.used must be true or false');
    problems.push(...textProblems(automated.description, 'automatedDecisions.description'));
  }
  const rights = raw.rights;
  if (!isRecord(rights)) problems.push(`rights must state each of ${REQUIRED_RIGHTS.join(', ')}`);
  else {
    for (const right of REQUIRED_RIGHTS) problems.push(...textProblems(rights[right], `rights.${right}`));
    for (const [right, text] of Object.entries(rights)) {
      if ((OPTIONAL_RIGHTS as readonly string[]).includes(right)) problems.push(...textProblems(text, `rights.${right}`));
      else if (!(REQUIRED_RIGHTS as readonly string[]).includes(right)) problems.push(`rights.${right} is not a right the copy states (${[...REQUIRED_RIGHTS, ...OPTIONAL_RIGHTS].join(', ')})`);
    }
  }
  const authorities = raw.authorities;
  if (!isRecord(authorities)) problems.push(`authorities must name the supervisory authority of each regime (${REGIMES.join(', ')})`);
  else {
    for (const regime of REGIMES) {
      const authority = authorities[regime];
      const field = `authorities.${regime}`;
      if (!isRecord(authority)) {
        problems.push(`${field} must be {"name": {…}, "address": "…", "website": "…"}`);
        continue;
      }
      problems.push(...textProblems(authority.name, `${field}.name`));
      if (!nonEmpty(authority.address)) problems.push(`${field}.address must be a non-empty string`);
      if (!nonEmpty(authority.website) || HAS_SCHEME.test(authority.website) || !WEBSITE.test(authority.website)) {
        problems.push(`${field}.website must be a host name and path without scheme, such as "www.garanteprivacy.it" (the report shows it as text and loads nothing)`);
      }
    }
    for (const key of Object.keys(authorities)) if (!(REGIMES as readonly string[]).includes(key)) problems.push(`authorities.${key} is not a regime (${REGIMES.join(', ')})`);
  }
  return problems;
}

/**
 * Validates a parsed register. An invalid one throws `PSB_CONFIG_INVALID` naming every bad field
 * (`details.field` is the first, `details.problems` all of them).
 */
export function parseProcessingRegister(raw: unknown, source = 'processing register'): ProcessingRegister {
  if (!isRecord(raw)) throw new AppError('PSB_CONFIG_INVALID', `${source}: expected a JSON object with the Art. 15(1) information (purposes, categories, recipients, …)`, { field: '(root)' });
  const problems = problemsOf(raw);
  if (problems.length > 0) {
    throw new AppError('PSB_CONFIG_INVALID', `${source} is invalid:\n  ${problems.join('\n  ')}`, { field: problems[0].split(' ')[0], problems });
  }
  const { $comment: _comment, ...register } = raw;
  return deepFreeze(register) as unknown as ProcessingRegister;
}

/** Reads and validates `config/processing-register.json` (once, at start). */
export function loadProcessingRegister(file = DEFAULT_PROCESSING_REGISTER_FILE): ProcessingRegister {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AppError('PSB_CONFIG_INVALID', `${file}: cannot read the processing register (${(err as Error).message})`, { field: '(file)' });
  }
  return parseProcessingRegister(raw, file);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
