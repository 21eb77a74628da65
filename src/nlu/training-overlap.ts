import { IntentCorpus } from './corpus';
import { LabelledUtterance } from './evaluate';
import { IntentName } from './intents';
import { classifierText } from './intent-features';

/*
 * How close a test utterance is to the training corpus. A held-out line one word away from a
 * training line ("any update on my request" / "any updates on my request") is answered from
 * memory, so a held-out score that counts such lines overstates what the bot does with words a
 * customer newly types. The held-out sets (test/fixtures/nlu/heldout) are written apart from the
 * training data, yet common requests ("help", "where is my request?") are phrased alike by
 * anyone: the README reports the accuracy on the lines with no near copy beside the overall one
 * (test/nlu/heldout-readme.test.ts), and `npm run nlu -- evaluate` lists the near copies of any
 * file it scores.
 */

/**
 * Character similarity from which a test line counts as a near copy of a training line, 0..1.
 * At 0.8 "can you tell me what I agreed to" and "can you tell me what I've agreed to" are near
 * copies; "what exactly did I give you permission for" and "what did I consent to" are not.
 */
export const NEAR_COPY_SIMILARITY = 0.8;

/** {@link isNearCopy} in one line, for reports. */
export const NEAR_COPY_RULE =
  `after classifier normalisation: one word inserted, deleted or replaced (sharing a word), or 2·LCS/(|a|+|b|) >= ${NEAR_COPY_SIMILARITY} over characters`;

/**
 * How far apart two texts are, both in the form the classifier sees ({@link classifierText}):
 * lower case, accents folded, punctuation as spaces, digit runs as `0`. Compared in that form
 * because the classifier cannot tell "Any updates?" from "any updates".
 */
export interface TextDistance {
  /**
   * Words to insert, delete or replace to turn one text into the other (Levenshtein distance
   * over words).
   */
  readonly wordEdits: number;
  /** Whether the two texts have at least one word in common. */
  readonly sharesAWord: boolean;
  /**
   * `2 · LCS / (|a| + |b|)` over characters, LCS being the longest common subsequence: 1 for the
   * same text, 0 for texts without a common character (the normalised Indel similarity, as
   * rapidfuzz's `fuzz.ratio`). It is never below difflib's `SequenceMatcher.ratio()` (whose
   * matching blocks form a common subsequence) nor below `1 − levenshtein / maxLength` (the
   * characters no edit touches form one), so a pair that either of those calls similar is
   * similar here too.
   */
  readonly similarity: number;
}

/**
 * Whether a test line is within reach of a training line: one word inserted, deleted or
 * replaced ("talk to an agent" / "talk to an agent please") while sharing a word — two
 * unrelated one-word texts are one replacement apart too, and are not copies — or a
 * {@link TextDistance.similarity} of {@link NEAR_COPY_SIMILARITY} or more (typos, inflections,
 * contractions).
 */
export function isNearCopy(distance: TextDistance): boolean {
  return (distance.wordEdits <= 1 && distance.sharesAWord) || distance.similarity >= NEAR_COPY_SIMILARITY;
}

/** Levenshtein distance between two sequences (words or characters), in O(|b|) memory. */
function editDistance<T>(a: readonly T[], b: readonly T[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i += 1) {
    current[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length];
}

/** Length of the longest common subsequence of two strings, in O(|b|) memory. */
function longestCommonSubsequence(a: string, b: string): number {
  let previous = new Uint16Array(b.length + 1);
  let current = new Uint16Array(b.length + 1);
  for (let i = 1; i <= a.length; i += 1) {
    const char = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = char === b.charCodeAt(j - 1) ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length];
}

/** A text in classifier form with what the comparisons need, computed once. */
interface ComparableText {
  readonly form: string;
  readonly words: readonly string[];
  readonly wordSet: ReadonlySet<string>;
  /** How often each character occurs. */
  readonly characters: ReadonlyMap<string, number>;
}

function comparable(form: string): ComparableText {
  const words = form === '' ? [] : form.split(' ');
  const characters = new Map<string, number>();
  // UTF-16 code units, as the alignment compares them.
  for (let i = 0; i < form.length; i += 1) characters.set(form[i], (characters.get(form[i]) ?? 0) + 1);
  return { form, words, wordSet: new Set(words), characters };
}

/** Whether one word inserted, deleted or replaced (or none) turns `a` into `b`; linear time. */
function withinOneWordEdit(a: readonly string[], b: readonly string[]): boolean {
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  if (longer.length - shorter.length > 1) return false;
  let i = 0;
  while (i < shorter.length && shorter[i] === longer[i]) i += 1;
  const skip = longer.length - shorter.length === 1 ? 0 : 1;
  for (let j = i + skip; j < shorter.length; j += 1) if (shorter[j] !== longer[j + 1 - skip]) return false;
  return true;
}

function sharesAWord(a: ComparableText, b: ComparableText): boolean {
  return a.words.some((word) => b.wordSet.has(word));
}

function similarity(a: ComparableText, b: ComparableText): number {
  const total = a.form.length + b.form.length;
  return total === 0 ? 1 : (2 * longestCommonSubsequence(a.form, b.form)) / total;
}

/**
 * An upper bound of {@link similarity} that costs no alignment: a common subsequence is no
 * longer than the shorter text, and holds no more of a character than the text with fewer of it.
 */
function similarityBound(a: ComparableText, b: ComparableText): number {
  const total = a.form.length + b.form.length;
  if (total === 0) return 1;
  const shorter = Math.min(a.form.length, b.form.length);
  if ((2 * shorter) / total < NEAR_COPY_SIMILARITY) return (2 * shorter) / total;
  let common = 0;
  for (const [char, count] of a.characters) common += Math.min(count, b.characters.get(char) ?? 0);
  return (2 * common) / total;
}

function distanceOf(a: ComparableText, b: ComparableText): TextDistance {
  return { wordEdits: editDistance(a.words, b.words), sharesAWord: sharesAWord(a, b), similarity: similarity(a, b) };
}

/** The {@link TextDistance} of two texts, each first put in classifier form ({@link classifierText}). */
export function textDistance(a: string, b: string): TextDistance {
  return distanceOf(comparable(classifierText(a)), comparable(classifierText(b)));
}

/** Whether two texts are near copies, skipping the alignments that cannot change the answer. */
function isNearCopyPair(a: ComparableText, b: ComparableText): boolean {
  if (withinOneWordEdit(a.words, b.words) && sharesAWord(a, b)) return true;
  return similarityBound(a, b) >= NEAR_COPY_SIMILARITY && similarity(a, b) >= NEAR_COPY_SIMILARITY;
}

/** A test line within reach of a training line of its language. */
export interface NearCopy extends TextDistance {
  /** 1-based line of the test file. */
  readonly line: number;
  /** The test file, when the set was read from several. */
  readonly file?: string;
  readonly lang: string;
  readonly intent: IntentName;
  readonly text: string;
  /** The closest training utterance (highest similarity among the near copies), as written. */
  readonly trainingText: string;
  readonly trainingIntent: IntentName;
}

interface TrainingLine {
  readonly intent: IntentName;
  readonly text: string;
  readonly comparable: ComparableText;
}

function trainingLines(corpus: IntentCorpus): TrainingLine[] {
  const lines: TrainingLine[] = [];
  for (const [intent, utterances] of Object.entries(corpus.intents) as [IntentName, readonly string[] | undefined][]) {
    for (const text of utterances ?? []) lines.push({ intent, text, comparable: comparable(classifierText(text)) });
  }
  return lines;
}

/**
 * The test lines that are near copies ({@link isNearCopy}) of a training utterance of their
 * language, whatever its intent, each with the closest one, in file order. A line whose
 * language has no corpus in `corpora` is compared with nothing. Such lines measure memory, not
 * recognition of what customers newly say: a held-out set should have none.
 */
export function findNearCopies(examples: readonly LabelledUtterance[], corpora: Readonly<Record<string, IntentCorpus>>): NearCopy[] {
  const byLanguage = new Map<string, TrainingLine[]>();
  const found: NearCopy[] = [];
  for (const example of examples) {
    const corpus = corpora[example.lang];
    if (corpus === undefined) continue;
    let training = byLanguage.get(example.lang);
    if (training === undefined) {
      training = trainingLines(corpus);
      byLanguage.set(example.lang, training);
    }
    const text = comparable(classifierText(example.text));
    let closest: NearCopy | undefined;
    for (const candidate of training) {
      if (!isNearCopyPair(text, candidate.comparable)) continue;
      const distance = distanceOf(text, candidate.comparable);
      if (closest === undefined || distance.similarity > closest.similarity) {
        closest = { ...example, ...distance, trainingText: candidate.text, trainingIntent: candidate.intent };
      }
    }
    if (closest !== undefined) found.push(closest);
  }
  return found;
}
