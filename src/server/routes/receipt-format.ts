import { AppError } from '../../errors/app-error';
import { isShippedLocale, ShippedLocale, SHIPPED_LOCALES } from '../../i18n/shipped-locales';

/** How a receipt link is answered: the readable page, or the signed JSON file. */
export type ReceiptFormat = 'html' | 'json';

/** What the query of a receipt link may ask: `?format=html|json`, `?lang=<shipped language>`. */
export interface ReceiptQuery {
  readonly format?: ReceiptFormat;
  readonly lang?: ShippedLocale;
}

const FORMATS: readonly ReceiptFormat[] = ['html', 'json'];

/**
 * Reads `format` and `lang` from a request URL; other parameters (a mail client's tracking tags) are
 * ignored. A value we do not serve, or a parameter given twice, is refused with
 * `PSB_RECEIPT_BAD_QUERY` naming the field, rather than guessed.
 */
export function receiptQuery(url: string | undefined): ReceiptQuery {
  const params = new URL(url ?? '/', 'http://receipt.invalid').searchParams;
  const single = (name: string): string | undefined => {
    const values = params.getAll(name);
    if (values.length > 1) throw new AppError('PSB_RECEIPT_BAD_QUERY', `give "${name}" once`, { field: name });
    return values[0];
  };
  const format = single('format');
  const lang = single('lang');
  if (format !== undefined && !(FORMATS as readonly string[]).includes(format)) {
    throw new AppError('PSB_RECEIPT_BAD_QUERY', `format must be one of ${FORMATS.join(', ')}`, { field: 'format' });
  }
  if (lang !== undefined && !isShippedLocale(lang)) throw new AppError('PSB_RECEIPT_BAD_QUERY', `lang must be one of ${SHIPPED_LOCALES.join(', ')}`, { field: 'lang' });
  return { ...(format !== undefined ? { format: format as ReceiptFormat } : {}), ...(lang !== undefined ? { lang } : {}) };
}

/** The weight `Accept` gives a media type: its most specific matching range (`type/sub` > `type/*` > `*\/*`). */
function weightOf(accept: string, type: string, wildcards: boolean): number {
  const [major] = type.split('/');
  let best = { specificity: -1, q: 0 };
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().toLowerCase().split(';');
    const specificity = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' && wildcards ? 0 : -1;
    if (specificity <= best.specificity) continue;
    const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    best = { specificity, q: Number.isFinite(weight) ? Math.min(Math.max(weight, 0), 1) : 0 };
  }
  return best.q;
}

/**
 * The format a request gets. The query decides when it names one; otherwise the readable page goes
 * to clients that ask for HTML by name at least as much as for JSON (every browser following the
 * link), and the signed JSON to everyone else — `Accept: application/json`, `*\/*` (curl, scripts),
 * or no `Accept` at all — exactly as before the page existed.
 */
export function receiptFormat(query: ReceiptQuery, accept: string | undefined): ReceiptFormat {
  if (query.format) return query.format;
  if (!accept) return 'json';
  const html = weightOf(accept, 'text/html', false);
  return html > 0 && html >= weightOf(accept, 'application/json', true) ? 'html' : 'json';
}
