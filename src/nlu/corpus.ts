import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LOCALES_DIR } from '../paths';
import { INTENT_NAMES, IntentName, INTERRUPTION_NAMES, InterruptionName, isIntentName } from './intents';

/** The content of `locales/<lang>/intents.json`: what customers say. */
export interface IntentCorpus {
  /** Training utterances per intent (`none` holds off-topic examples). */
  readonly intents: Readonly<Partial<Record<IntentName, readonly string[]>>>;
  /** Exact phrases that interrupt any dialog, per interruption. */
  readonly keywords: Readonly<Record<InterruptionName, readonly string[]>>;
}

/** Reads and checks one language's corpus; a malformed file throws naming the file and entry. */
export function readIntentCorpus(locale: string, dir = LOCALES_DIR): IntentCorpus {
  const file = path.join(dir, locale, 'intents.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { intents?: Record<string, unknown>; keywords?: Record<string, unknown> };
  const intents: Partial<Record<IntentName, string[]>> = {};
  for (const [name, utterances] of Object.entries(raw.intents ?? {})) {
    if (!isIntentName(name)) throw new Error(`${file}: unknown intent "${name}" (allowed: ${INTENT_NAMES.join(', ')})`);
    if (!Array.isArray(utterances) || utterances.some((u) => typeof u !== 'string' || u.trim() === '')) {
      throw new Error(`${file}: intent "${name}" must be a list of non-empty strings`);
    }
    intents[name] = utterances as string[];
  }
  const keywords = {} as Record<InterruptionName, string[]>;
  for (const name of INTERRUPTION_NAMES) {
    const list = raw.keywords?.[name];
    if (!Array.isArray(list) || list.length === 0 || list.some((k) => typeof k !== 'string' || k.trim() === '')) {
      throw new Error(`${file}: keywords.${name} must be a non-empty list of phrases`);
    }
    keywords[name] = list as string[];
  }
  return { intents, keywords };
}
