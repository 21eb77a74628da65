import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SHIPPED_LOCALES } from '../i18n/shipped-locales';
import { LOCALES_DIR } from '../paths';
import { EntityListError } from './entity-lists';
import { normalizeText } from './normalize-text';
import { MAX_PHRASE_TEXT_CHARS, PhraseMatcher } from './phrase-matcher';

/** What a question about a published incident asks: "was my data affected?" or anything the notice answers. */
export type IncidentQuestion = 'affected' | 'notice';

/** The `keywords` lists of `intents.json` incident mode reads. */
export const INCIDENT_KEYWORD_LISTS = ['incidentAffected', 'incidentQuestion', 'incidentTopic'] as const;
type IncidentKeywordList = (typeof INCIDENT_KEYWORD_LISTS)[number];

/** Every shipped language's incident lists, merged (a customer may ask in either language). */
export function readIncidentPhrases(dir = LOCALES_DIR): Record<IncidentKeywordList, string[]> {
  const merged: Record<IncidentKeywordList, string[]> = { incidentAffected: [], incidentQuestion: [], incidentTopic: [] };
  for (const locale of SHIPPED_LOCALES) {
    const file = path.join(dir, locale, 'intents.json');
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { keywords?: Record<string, unknown> };
    for (const name of INCIDENT_KEYWORD_LISTS) {
      const phrases = raw.keywords?.[name];
      if (!Array.isArray(phrases) || phrases.length === 0 || phrases.some((phrase) => typeof phrase !== 'string' || phrase.trim() === '')) {
        throw new EntityListError(file, `keywords.${name}`, 'must be a non-empty list of phrases');
      }
      merged[name].push(...(phrases as string[]));
    }
  }
  return merged;
}

/**
 * Recognises questions about a published incident, in every shipped language, by listed phrases
 * (`keywords.incidentAffected`, `incidentQuestion`, `incidentTopic` of `locales/<lang>/intents.json`):
 * deterministic, and cheap enough to run on every message of a surge (no classifier).
 *
 * - `affected`: an `incidentAffected` phrase anywhere ("hi, was my data affected by the breach?").
 * - `notice`: an `incidentQuestion` phrase that is the whole message ("what happened?", "cosa devo
 *   fare?"), or anywhere in a message that also names the incident with an `incidentTopic` phrase
 *   ("what should I do about the breach?"); a topic phrase that is the whole message ("data breach?").
 *
 * A general question alone inside a longer message ("what happened to my request?") is not about the
 * incident, and a message that only names a breach ("I want to report a data breach") is left to the
 * classifier (the concern report).
 */
export class IncidentQuestionMatcher {
  private constructor(
    private readonly phrases: PhraseMatcher,
    /** Normalised questions and topics that, as the whole message, ask about the incident. */
    private readonly wholeMessages: ReadonlySet<string>,
  ) {}

  /** Throws an {@link EntityListError} naming the file when a list is missing, empty, or a phrase is in two lists. */
  static load(dir = LOCALES_DIR): IncidentQuestionMatcher {
    const lists = readIncidentPhrases(dir);
    const phrases = new PhraseMatcher(path.join(dir, '*', 'intents.json'), {
      affected: lists.incidentAffected,
      question: lists.incidentQuestion,
      topic: lists.incidentTopic,
    });
    return new IncidentQuestionMatcher(phrases, new Set([...lists.incidentQuestion, ...lists.incidentTopic].map(normalizeText)));
  }

  /** What the message asks about the incident, or undefined when it is not about it. */
  classify(text: string): IncidentQuestion | undefined {
    const capped = text.slice(0, MAX_PHRASE_TEXT_CHARS);
    const found = new Set(this.phrases.find(capped));
    if (found.has('affected')) return 'affected';
    if (found.size === 0) return undefined;
    if (found.has('question') && found.has('topic')) return 'notice';
    return this.wholeMessages.has(normalizeText(capped)) ? 'notice' : undefined;
  }

  /** Whether the message names the incident or asks whether one was affected ("a person about the breach"); a general question alone does not. */
  mentions(text: string): boolean {
    return this.phrases.find(text.slice(0, MAX_PHRASE_TEXT_CHARS)).some((key) => key === 'topic' || key === 'affected');
  }
}
