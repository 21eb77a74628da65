/**
 * Type declarations for the parts of NLP.js (v4, plain JavaScript, no shipped types) that
 * `src/nlu/nlpjs-recognizer.ts` uses. Only what we call is declared, so nothing untyped leaks
 * into our code; extend here before using another method.
 */

declare module '@nlpjs/core' {
  /** What NLP.js calls when it has something to say (e.g. "utterance contains only stop words"). */
  export interface NlpJsLogger {
    debug(...args: unknown[]): void;
    info(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
    log(...args: unknown[]): void;
    trace(...args: unknown[]): void;
    fatal(...args: unknown[]): void;
  }

  /** A language pack (`LangEn`, `LangIt`, …): a class the container instantiates and registers. */
  export type NlpJsPlugin = abstract new (...args: never[]) => object;

  /** NLP.js's dependency container: tokenizers, stemmers, the logger and settings live here. */
  export interface NlpJsContainer {
    /** Instantiates a plugin class (or takes an object) and registers it under its name. */
    use(plugin: NlpJsPlugin | object, name?: string, isSingleton?: boolean): string;
    /** Registers a singleton under `name`, replacing what was there. */
    register(name: string, instance: object, isSingleton?: boolean): void;
  }

  /**
   * A container with the defaults (normaliser, tokenizer, stemmer, stop words, console logger,
   * in-memory storage). Unlike `@nlpjs/basic`'s, it reads no `.env`, `conf.json` or plugins folder.
   */
  export function containerBootstrap(): NlpJsContainer;
}

declare module '@nlpjs/nlp' {
  import type { NlpJsContainer } from '@nlpjs/core';

  export interface NlpSettings {
    container?: NlpJsContainer;
    /** ISO 639-1 codes of the languages this instance trains. */
    languages?: string[];
    /** Load `modelFileName` instead of training. NLP.js default `true`. */
    autoLoad?: boolean;
    /** Write `modelFileName` after training. NLP.js default `true`. */
    autoSave?: boolean;
    modelFileName?: string;
    /** Settings of the NLU manager. */
    nlu?: {
      /** Print the loss of every training epoch on the console. NLP.js default `true`. */
      log?: boolean;
      /** Learn a "None" output from words never seen in training. */
      useNoneFeature?: boolean;
      /** Map unknown words to a known one within `spellCheckDistance` edits. */
      spellCheck?: boolean;
      spellCheckDistance?: number;
    };
  }

  export interface NlpClassification {
    /** Intent name as trained, or NLP.js's own `'None'`. */
    intent: string;
    /** Share of the squared network outputs, 0..1; the scores of one answer sum to 1. */
    score: number;
  }

  export interface NlpClassifyResult {
    locale: string;
    utterance: string;
    /** Best first. */
    classifications: NlpClassification[];
    intent: string;
    score: number;
  }

  export class Nlp {
    constructor(settings?: NlpSettings);
    addDocument(locale: string, utterance: string, intent: string): void;
    /** Trains every language added; resolves when all are trained. */
    train(): Promise<unknown>;
    /** Intent classification only (no entities, sentiment or answers). */
    classify(locale: string, utterance: string): Promise<NlpClassifyResult>;
  }
}

declare module '@nlpjs/lang-en-min' {
  import type { NlpJsPlugin } from '@nlpjs/core';

  /** English tokenizer, stemmer and stop words (without the sentiment lexicon of `@nlpjs/lang-en`). */
  export const LangEn: NlpJsPlugin;
}

declare module '@nlpjs/lang-it' {
  import type { NlpJsPlugin } from '@nlpjs/core';

  /** Italian tokenizer, stemmer and stop words. */
  export const LangIt: NlpJsPlugin;
}
