import { formatInZone } from '../../clocks/deadlines';
import type { CopyInput } from './copy-input';

/** Lines of README.txt are wrapped at this width (plain-text readers do not wrap). */
const WIDTH = 76;

function wrap(paragraph: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of paragraph.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** "- text", wrapped with the continuation indented under the text. */
function bullet(text: string): string[] {
  return wrap(text).map((line, i) => `${i === 0 ? '- ' : '  '}${line}`);
}

function headingLines(text: string): string[] {
  return [text, '-'.repeat(Math.min(text.length, WIDTH))];
}

/**
 * README.txt in the customer's language: what the ZIP holds, how to open it, the reference and
 * until when the link works. CRLF line ends, so every editor (Windows Notepad included) shows lines.
 */
export function readmeText(input: CopyInput): string {
  const t = input.translator;
  const when = (instant: Date): string => formatInZone(instant, input.case.timeZone, t.locale);
  const reference = input.case.reference;
  const title = t.t('copy.readme.title');
  const lines = [
    title,
    '='.repeat(Math.min(title.length, WIDTH)),
    '',
    ...wrap(t.t('copy.readme.intro', { controller: input.controller.name, reference, receivedAt: when(input.case.receivedAt), generatedAt: when(input.generatedAt) })),
    '',
    ...headingLines(t.t('copy.readme.contentsHeading')),
    ...bullet(t.t('copy.readme.reportFile')),
    ...bullet(t.t('copy.readme.dataFile')),
    ...bullet(t.t('copy.readme.readmeFile')),
    '',
    ...headingLines(t.t('copy.readme.openHeading')),
    ...wrap(t.t('copy.readme.open')),
    '',
    ...headingLines(t.t('copy.readme.expiryHeading')),
    ...wrap(t.t('copy.readme.expiry', { expiresAt: when(input.expiresAt) })),
    ...wrap(t.t('copy.readme.keepSafe')),
    '',
    ...wrap(t.t('copy.readme.questions', { email: input.controller.email, reference })),
    '',
  ];
  return lines.join('\r\n');
}
