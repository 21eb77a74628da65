import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SHIPPED_LOCALES } from '../../i18n/shipped-locales';
import { PROJECT_ROOT } from '../../paths';
import { LedgerError } from '../ledger-errors';

export const CHANNELS = ['email', 'sms', 'phone', 'post', 'push', 'in_app'] as const;
export type Channel = (typeof CHANNELS)[number];

/** GDPR Art. 6(1) bases, named as W3C DPV names them. */
export const LEGAL_BASES = ['consent', 'contract', 'legal_obligation', 'vital_interest', 'public_task', 'legitimate_interest'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

export interface PurposeText {
  /** The purpose standing alone: a heading, a button, a card title ("Newsletter"). */
  readonly label: string;
  readonly description: string;
  /**
   * The purpose inside a sentence, as the object of "stop" / "receive", with the article the language
   * needs ("our newsletter", "la nostra newsletter"). Without it, sentences use the label in lower case.
   */
  readonly phrase?: string;
}

/** A processing purpose customers can consent to, per channel. */
export interface Purpose {
  readonly id: string;
  /** W3C DPV purpose term, e.g. "dpv:DirectMarketing". */
  readonly dpvPurpose: string;
  readonly legalBasis: LegalBasis;
  /** Direct marketing: an objection is absolute (GDPR Art. 21(2)). */
  readonly marketing: boolean;
  readonly channels: readonly Channel[];
  readonly notice: { readonly version: string; readonly url: string };
  /** Label and description per shipped language. */
  readonly text: Readonly<Record<string, PurposeText>>;
}

export interface PurposeCatalog {
  readonly version: string;
  readonly purposes: readonly Purpose[];
  get(id: string): Purpose | undefined;
}

export const DEFAULT_PURPOSES_FILE = path.join(PROJECT_ROOT, 'config', 'purposes.json');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** Checks one entry; returns what is wrong with it (empty when valid). */
function problemsOf(entry: unknown): string[] {
  if (!isRecord(entry)) return ['must be an object'];
  const problems: string[] = [];
  if (!nonEmpty(entry.id) || !/^[a-z][a-z0-9_]{1,63}$/.test(entry.id)) problems.push('id must be a lower-case slug (a-z, 0-9, _)');
  if (!nonEmpty(entry.dpvPurpose) || !entry.dpvPurpose.startsWith('dpv:')) problems.push('dpvPurpose must be a DPV term such as "dpv:DirectMarketing"');
  if (!(LEGAL_BASES as readonly unknown[]).includes(entry.legalBasis)) problems.push(`legalBasis must be one of ${LEGAL_BASES.join(', ')}`);
  if (typeof entry.marketing !== 'boolean') problems.push('marketing must be true or false');
  if (!Array.isArray(entry.channels) || entry.channels.length === 0) problems.push(`channels must be a non-empty list of ${CHANNELS.join(', ')}`);
  else {
    for (const channel of entry.channels) if (!(CHANNELS as readonly unknown[]).includes(channel)) problems.push(`channels contains unknown "${String(channel)}"`);
    if (new Set(entry.channels).size !== entry.channels.length) problems.push('channels has duplicates');
  }
  const notice = entry.notice;
  if (!isRecord(notice) || !nonEmpty(notice.version)) problems.push('notice.version is required');
  if (!isRecord(notice) || !nonEmpty(notice.url) || !/^https?:\/\//.test(notice.url)) problems.push('notice.url must be an http(s) URL');
  for (const locale of SHIPPED_LOCALES) {
    const text = isRecord(entry.text) ? entry.text[locale] : undefined;
    if (!isRecord(text) || !nonEmpty(text.label) || !nonEmpty(text.description)) problems.push(`text.${locale} needs a label and a description`);
  }
  // A phrase is optional in every language the entry has text for (shipped or not), but never blank.
  if (isRecord(entry.text)) {
    for (const [locale, text] of Object.entries(entry.text)) {
      if (isRecord(text) && text.phrase !== undefined && !nonEmpty(text.phrase)) problems.push(`text.${locale}.phrase must be a non-empty text when given`);
    }
  }
  return problems;
}

/** Validates a parsed catalog; an invalid one throws naming each bad entry and what is wrong. */
export function parsePurposeCatalog(raw: unknown, source = 'purposes catalog'): PurposeCatalog {
  if (!isRecord(raw) || !Array.isArray(raw.purposes) || !nonEmpty(raw.version)) {
    throw new LedgerError('PSB_LEDGER_CATALOG_INVALID', `${source}: expected {"version": "...", "purposes": [...]}`);
  }
  const errors: string[] = [];
  const seen = new Set<string>();
  raw.purposes.forEach((entry, index) => {
    const name = isRecord(entry) && typeof entry.id === 'string' ? ` ("${entry.id}")` : '';
    for (const problem of problemsOf(entry)) errors.push(`purposes[${index}]${name}: ${problem}`);
    if (isRecord(entry) && typeof entry.id === 'string') {
      if (seen.has(entry.id)) errors.push(`purposes[${index}]${name}: duplicate id`);
      seen.add(entry.id);
    }
  });
  if (raw.purposes.length === 0) errors.push('purposes: at least one purpose is required');
  if (errors.length > 0) throw new LedgerError('PSB_LEDGER_CATALOG_INVALID', `${source} is invalid:\n  ${errors.join('\n  ')}`, { problems: errors });
  const purposes = raw.purposes as Purpose[];
  const byId = new Map(purposes.map((p) => [p.id, p]));
  return Object.freeze({ version: raw.version, purposes, get: (id: string) => byId.get(id) });
}

export function loadPurposeCatalog(file = DEFAULT_PURPOSES_FILE): PurposeCatalog {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new LedgerError('PSB_LEDGER_CATALOG_INVALID', `${file}: cannot read the purposes catalog (${(err as Error).message})`);
  }
  return parsePurposeCatalog(raw, file);
}
