import type { LocalizedText } from '../access-types';

/** A label in `locale`, else English, else the first one given, else `fallback`. */
export function localized(text: LocalizedText | undefined, locale: string, fallback: string): string {
  if (!text) return fallback;
  return text[locale] ?? text.en ?? Object.values(text)[0] ?? fallback;
}

const KIB = 1024;
const MIB = 1024 * 1024;

/** A file size as a person reads it, in their language: "2.4 MB", "2,4 MB", "830 kB", "120 byte". */
export function formatByteSize(bytes: number, locale: string): string {
  const [value, unit] = bytes >= MIB ? [bytes / MIB, 'megabyte'] : bytes >= KIB ? [bytes / KIB, 'kilobyte'] : [bytes, 'byte'];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: unit === 'byte' ? 0 : 1 }).format(value);
}
