/**
 * The form in which customer text is compared with keywords and fed to the classifier:
 * lower case, no diacritics, punctuation as spaces, single spaces. "Aiuto!" → "aiuto",
 * "Cambia  LINGUA." → "cambia lingua", "perché?" → "perche".
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}@.+]+/gu, ' ')
    .replace(/(?<![\p{L}\p{N}])[.+]|[.+](?![\p{L}\p{N}])/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
