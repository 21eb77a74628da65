import { parseReference } from '../ledger/references/reference';
import { MAX_PHRASE_TEXT_CHARS } from './phrase-matcher';

/** What a customer's message says about a case reference ("where is PRV-2026-7KQ4ZD-Q?"). */
export interface ReferenceMention {
  /** The first reference in the text whose check symbol is right, in its canonical form. */
  readonly reference?: string;
  /** The text holds something shaped like a reference that does not check out (a typo, an old format). */
  readonly unreadable: boolean;
}

function escaped(prefix: string): string {
  return prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Finds a reference with prefix `prefix` anywhere in a message, typed as customers type them:
 * any case, spaces or dots instead of dashes, O for 0 and I or L for 1 (see `parseReference`).
 */
export function findReference(text: string, prefix: string): ReferenceMention {
  const searched = text.slice(0, MAX_PHRASE_TEXT_CHARS);
  const sep = '[\\s_.-]*';
  const shaped = new RegExp(`(?<![\\p{L}\\p{N}])${escaped(prefix)}${sep}[\\p{L}\\p{N}]{4}${sep}[\\p{L}\\p{N}]{6}${sep}[\\p{L}\\p{N}](?![\\p{L}\\p{N}])`, 'giu');
  for (const match of searched.matchAll(shaped)) {
    const reference = parseReference(match[0], prefix);
    if (reference) return { reference, unreadable: false };
  }
  const lookalike = new RegExp(`(?<![\\p{L}\\p{N}])${escaped(prefix)}${sep}\\d`, 'iu');
  return { unreadable: lookalike.test(searched) };
}
