/**
 * Each shipped language's quotation marks around words the customer is told to type: „…“ in German,
 * « … » in French (no-break spaces inside), «…» in Spanish, “…” in the others. A message that used
 * another language's marks quotes nothing here, so a test reading it fails.
 */
const QUOTED_BY_LOCALE: Readonly<Record<string, RegExp>> = {
  de: /„([^“”]+)“/g,
  fr: /«\u00a0([^»]+?)\u00a0»/g,
  es: /«([^»]+)»/g,
};
const QUOTED_ELSEWHERE = /“([^”]+)”/g;

/** The phrases a message in `locale` quotes, in order, as a customer would type them back. */
export function quotedPhrases(text: string, locale: string): string[] {
  return [...text.matchAll(QUOTED_BY_LOCALE[locale] ?? QUOTED_ELSEWHERE)].map((match) => match[1]);
}
