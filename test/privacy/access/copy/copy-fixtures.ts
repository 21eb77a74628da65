import { Writable } from 'node:stream';
import type { ShippedLocale } from '../../../../src/i18n/shipped-locales';
import type { Translations } from '../../../../src/i18n/translator';
import type { DataCategory, DataSourceConfig, SourceRecord } from '../../../../src/privacy/access/access-types';
import { assembleCopy } from '../../../../src/privacy/access/copy/assemble-copy';
import type { CopyInput, CopySource } from '../../../../src/privacy/access/copy/copy-input';
import { loadProcessingRegister } from '../../../../src/privacy/access/copy/processing-register';
import type { Regime } from '../../../../src/privacy/clocks/regimes';
import { loadController } from '../../../../src/privacy/receipts/controller';

/** A value only the CRM's records hold: found in the copy, never in the stored chunks. */
export const MARKER = 'MARKER-7f3a9c-only-in-the-records';
/** A record value that must show as text in the report, never run. */
export const SCRIPT_VALUE = '<script>alert("copy")</script> & <b>bold</b>';

export const CATEGORIES: Readonly<Record<string, DataCategory>> = {
  contact: { id: 'contact', label: { en: 'Contact details', it: 'Dati di contatto' } },
  consents: { id: 'consents', label: { en: 'Consents', it: 'Consensi' } },
  orders: { id: 'orders', label: { en: 'Orders', it: 'Ordini' } },
  tickets: { id: 'tickets', label: { en: 'Support tickets', it: 'Richieste di assistenza' } },
};

function config(id: string, label: Record<string, string>, categories: readonly string[]): DataSourceConfig {
  return { id, label, kind: id === 'ledger' ? 'ledger' : 'http', categories, timeoutMs: 10_000, maxBytes: 1_000_000, maxAttempts: 3 };
}

/** A source whose records come in pages of `pageSize`, read afresh at every call of pages(). */
export function sourceOf(configValue: DataSourceConfig, records: readonly SourceRecord[], pageSize = 2): CopySource {
  return {
    config: configValue,
    categories: configValue.categories.map((id) => CATEGORIES[id]),
    recordCount: records.length,
    async *pages() {
      for (let i = 0; i < records.length; i += pageSize) yield records.slice(i, i + pageSize);
    },
  };
}

/** The ledger's records: contact data, and consents of three kinds (one table each). */
export const LEDGER_RECORDS: readonly SourceRecord[] = [
  { '@category': 'contact', email: 'maria.rossi@example.com', customer_number: 'CUST-0042' },
  { '@category': 'consents', '@kind': 'consent', purpose: 'marketing_offers', channel: 'email', state: 'given' },
  { '@category': 'consents', '@kind': 'consent', purpose: 'newsletter', channel: 'email', state: 'withdrawn' },
  { '@category': 'consents', '@kind': 'consentEvent', purpose: 'newsletter', at: '2026-03-15T10:30:00.000Z', method: 'web_chat' },
  { '@category': 'consents', '@kind': 'receipt', receiptId: 'r-1', issuedAt: '2026-03-15T10:30:01.000Z' },
];

/** The CRM's orders: one holds markup that must stay text, one a nested object, one the marker. */
export const CRM_RECORDS: readonly SourceRecord[] = [
  { '@category': 'orders', order: 'A-1001', total: 59.9, note: SCRIPT_VALUE },
  { '@category': 'orders', order: 'A-1002', total: 12, items: [{ sku: 'T-1', qty: 2 }], note: null },
  { '@category': 'orders', order: 'A-1003', total: 5, note: MARKER, gift: true },
];

export function demoSources(): CopySource[] {
  return [
    sourceOf(config('ledger', { en: 'Privacy records', it: 'Registri privacy' }, ['contact', 'consents']), LEDGER_RECORDS),
    sourceOf(config('crm', { en: 'Customer relationship system', it: 'Sistema clienti' }, ['orders']), CRM_RECORDS),
    sourceOf(config('helpdesk', { en: 'Help desk', it: 'Assistenza' }, ['tickets']), []),
  ];
}

export interface InputOptions {
  readonly locale?: ShippedLocale;
  readonly regime?: Regime;
  readonly sources?: readonly CopySource[];
  readonly categories?: readonly string[] | null;
}

export const RECEIVED_AT = new Date('2026-11-20T09:15:00.000Z');
export const GENERATED_AT = new Date('2026-11-29T10:00:00.000Z');
export const EXPIRES_AT = new Date('2026-12-29T10:00:00.000Z');

/** A copy's input as the case service builds it, for a customer in Rome. */
export function copyInput(translations: Translations, options: InputOptions = {}): CopyInput {
  const locale = options.locale ?? 'en';
  return {
    case: { reference: 'R-2611-7QK4-M', regime: options.regime ?? 'gdpr', receivedAt: RECEIVED_AT, locale, timeZone: 'Europe/Rome', categories: options.categories ?? null },
    subject: { subjectId: '6a1f8e8c-2b7e-4d0f-9d7e-1c2b3a4d5e6f', identifiers: { email: 'maria.rossi@example.com', customer_number: 'CUST-0042' } },
    controller: loadController(),
    register: loadProcessingRegister(),
    sources: options.sources ?? demoSources(),
    generatedAt: GENERATED_AT,
    expiresAt: EXPIRES_AT,
    translator: translations.for(locale),
  };
}

/** The ZIP of a copy, in memory (small copies only). */
export async function zipOf(input: CopyInput): Promise<Buffer> {
  const parts: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      parts.push(chunk);
      callback();
    },
  });
  await assembleCopy(input, sink);
  return Buffer.concat(parts);
}
