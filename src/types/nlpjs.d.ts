/**
 * Type declarations for the parts of NLP.js's language packages (v4, plain JavaScript, no
 * shipped types) that `src/nlu/intent-features.ts` uses: the Snowball stemmers. Only what we
 * call is declared, so nothing untyped leaks into our code.
 */

declare module '@nlpjs/lang-en-min' {
  /** Snowball (Porter 2) stemmer: "subscriptions" → "subscript". */
  export class StemmerEn {
    stemWord(word: string): string;
  }
}

declare module '@nlpjs/lang-it' {
  export class StemmerIt {
    stemWord(word: string): string;
  }
}

declare module '@nlpjs/lang-de' {
  /** German Snowball stemmer (lower-case words in, stems out). */
  export class StemmerDe {
    stemWord(word: string): string;
  }
}

declare module '@nlpjs/lang-fr' {
  /** French Snowball stemmer (lower-case words in, stems out). */
  export class StemmerFr {
    stemWord(word: string): string;
  }
}

declare module '@nlpjs/lang-es' {
  /** Spanish Snowball stemmer (lower-case words in, stems out). */
  export class StemmerEs {
    stemWord(word: string): string;
  }
}

declare module '@nlpjs/lang-pt' {
  /** Portuguese Snowball stemmer (lower-case words in, stems out). */
  export class StemmerPt {
    stemWord(word: string): string;
  }
}

declare module '@nlpjs/lang-nl' {
  /** Dutch Snowball stemmer (lower-case words in, stems out). */
  export class StemmerNl {
    stemWord(word: string): string;
  }
}
