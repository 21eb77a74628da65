/**
 * The deepest nesting of objects and arrays a request body may have. Real activities, Direct
 * Line posts and agent API calls stay under 10 levels; 64 leaves room for channel data while a
 * body nested thousands deep (which overflows the recursive JSON.stringify and clone steps
 * further down the pipeline) is refused before anything else touches it.
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * Whether raw JSON text nests objects/arrays deeper than `maxDepth` (the top-level object is
 * depth 1). One pass over the characters, no allocation, brackets inside strings ignored; it
 * does not validate the JSON — JSON.parse does that afterwards, on text known to be shallow.
 */
export function exceedsJsonDepth(text: string, maxDepth: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i += 1;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth -= 1;
    }
  }
  return false;
}
