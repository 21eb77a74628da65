/**
 * The readable text of an HTML page (or part of one), as a person reads it: inline elements
 * (`<time>`, `<code>`, `<a>`) dropped without a gap, other tags turned into spaces, the entities our
 * escaping writes undone, runs of white space (narrow no-break spaces too) collapsed to one space.
 */
export function pageText(html: string): string {
  return html
    .replace(/<\/?(time|code|a)\b[^>]*>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[\s\u202f]+/g, ' ');
}
