import type { Translator } from '../../i18n/translator';
import type { PurposeCatalog } from '../../ledger/purposes/purpose-catalog';
import { formatInZone } from '../../privacy/clocks/deadlines';
import { channelName, purposeLabel } from '../../privacy/consent/consent-wording';
import type { ConsentReceipt, ReceiptChannelState, ReceiptPurpose } from '../../privacy/receipts/receipt-types';
import { escapeHtml } from '../../html/escape-html';
import { languageLinks, pageShellContentSecurityPolicy, renderPageShell } from './page-shell';

/** The page's own stylesheet, beside the receipt links (`/receipts/<token>` → `receipt.css`), after the shell's. */
export const RECEIPT_STYLESHEET_FILE = 'receipt.css';

/** The documented way to check a saved receipt (README "Consent receipts"). */
export const VERIFY_COMMAND = 'npm run ledger -- receipt verify';

/**
 * The receipt page's policy: no script at all, our stylesheet only, nothing framed, posted or
 * based elsewhere. Stricter than the Web Chat page, which needs script and a WebSocket.
 */
export function receiptPageContentSecurityPolicy(): string {
  return pageShellContentSecurityPolicy("'none'");
}

/** What the page shows: the signed receipt, how it was signed, in one language. */
export interface ReceiptPageInput {
  /** The signed payload (not the stored copy): the page shows what the signature covers. */
  readonly receipt: ConsentReceipt;
  readonly alg: string;
  readonly kid: string;
  /** Where the public key is published (`<PUBLIC_BASE_URL>/receipts/keys`). */
  readonly jwksUrl: string;
  readonly translator: Translator;
  /** Labels in the page's language (the receipt holds them in its own). */
  readonly catalog: PurposeCatalog;
}

/** The file name the JSON is saved under, and the command then names. */
export function receiptFileName(receiptId: string): string {
  return `consent-receipt-${receiptId.replace(/[^A-Za-z0-9-]/g, '')}.json`;
}

function time(iso: string, translator: Translator): string {
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(formatInZone(new Date(iso), 'UTC', translator.locale))}</time>`;
}

function stateWord(state: ReceiptChannelState, translator: Translator): string {
  return translator.t(`consent.state.${state === 'not_asked' ? 'never_asked' : state}`);
}

/** The catalog's label in the page's language; the receipt's own name when the catalog no longer has the purpose. */
function labelOf(purposeId: string, input: ReceiptPageInput): string {
  if (input.catalog.get(purposeId)) return purposeLabel(input.catalog, purposeId, input.translator);
  return purposesOf(input.receipt).find((purpose) => purpose.purposeId === purposeId)?.purposeName ?? purposeId;
}

function purposesOf(receipt: ConsentReceipt): ReceiptPurpose[] {
  return receipt.services.flatMap((service) => service.purposes);
}

function link(href: string, text: string, extra = ''): string {
  return `<a href="${escapeHtml(href)}"${extra}>${escapeHtml(text)}</a>`;
}

/**
 * A data table in a wrapper that scrolls sideways when the window is narrower than the table (400 %
 * zoom): the wrapper is a region named by the caption and takes focus, so the keyboard can scroll it
 * too. `id` names the caption (unique on the page).
 */
function table(id: string, caption: string, headings: readonly string[], rows: readonly { cells: readonly string[]; changed?: boolean }[]): string {
  const head = headings.map((heading) => `<th scope="col">${escapeHtml(heading)}</th>`).join('');
  // The first cell of a row names it (the purpose); the rest are plain cells. Cells arrive as HTML.
  const body = rows.map((row) => `<tr${row.changed ? ' class="changed"' : ''}><th scope="row">${row.cells[0]}</th>${row.cells.slice(1).map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table-wrap" role="region" tabindex="0" aria-labelledby="${id}"><table><caption id="${id}">${escapeHtml(caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function definitions(entries: readonly [term: string, html: string][]): string {
  return `<dl>${entries.map(([term, html]) => `<dt>${escapeHtml(term)}</dt><dd>${html}</dd>`).join('')}</dl>`;
}

function section(id: string, heading: string, body: string): string {
  return `<section aria-labelledby="${id}">\n<h2 id="${id}">${escapeHtml(heading)}</h2>\n${body}\n</section>`;
}

/** "What changed": each changed purpose × channel, the choice it now holds, since when, under which notice. */
function changesSection(input: ReceiptPageInput): string {
  const { receipt, translator: t } = input;
  const noticeUrl = (purposeId: string): string | undefined => purposesOf(receipt).find((purpose) => purpose.purposeId === purposeId)?.noticeUrl;
  const rows = receipt.changes.map((change) => {
    const url = noticeUrl(change.purposeId);
    const version = t.t('receipt.page.noticeVersion', { version: change.noticeVersion });
    return {
      cells: [
        escapeHtml(labelOf(change.purposeId, input)),
        escapeHtml(channelName(change.channel, t)),
        escapeHtml(stateWord(change.state, t)),
        time(change.occurredAt, t),
        url ? link(url, version) : escapeHtml(version),
      ],
    };
  });
  const headings = [t.t('receipt.page.purpose'), t.t('receipt.page.channel'), t.t('receipt.page.state'), t.t('receipt.page.since'), t.t('receipt.page.notice')];
  const note = receipt.disclosure === 'change_only' ? `\n<p>${escapeHtml(t.t('receipt.page.changeOnly'))}</p>` : '';
  return section('changes', t.t('receipt.page.changesHeading'), `${table('changes-caption', t.t('receipt.page.timesInUtc'), headings, rows)}${note}`);
}

/** The whole state after the change: only on a full-state receipt (a verified customer's). */
function stateSection(input: ReceiptPageInput): string {
  const { receipt, translator: t } = input;
  if (receipt.disclosure === 'change_only') return '';
  const rows = purposesOf(receipt).flatMap((purpose) =>
    purpose.channels.map((channel) => ({
      changed: channel.changed,
      cells: [escapeHtml(labelOf(purpose.purposeId, input)), escapeHtml(channelName(channel.channel, t)), escapeHtml(stateWord(channel.state, t)), channel.since ? time(channel.since, t) : ''],
    })),
  );
  const headings = [t.t('receipt.page.purpose'), t.t('receipt.page.channel'), t.t('receipt.page.state'), t.t('receipt.page.since')];
  return section('state', t.t('receipt.page.stateHeading'), table('state-caption', t.t('receipt.page.timesInUtc'), headings, rows));
}

function recordedSection(input: ReceiptPageInput): string {
  const { receipt, translator: t } = input;
  return section(
    'recorded',
    t.t('receipt.page.recordedHeading'),
    definitions([
      [t.t('receipt.page.method'), escapeHtml(t.t(`consent.method.${receipt.collectionMethod}`))],
      [t.t('receipt.page.jurisdiction'), escapeHtml(receipt.jurisdiction)],
      [t.t('receipt.page.reference'), `<code>${escapeHtml(receipt.consentReceiptID)}</code>`],
    ]),
  );
}

function controllerSection(input: ReceiptPageInput): string {
  const { receipt, translator: t } = input;
  const [controller] = receipt.piiControllers;
  if (!controller) return '';
  return section(
    'controller',
    t.t('receipt.page.controllerHeading'),
    definitions([
      [t.t('receipt.page.controller'), escapeHtml(controller.piiController)],
      [t.t('receipt.page.contact'), escapeHtml(controller.contact)],
      [t.t('receipt.page.address'), escapeHtml(controller.address)],
      [t.t('receipt.page.email'), link(`mailto:${controller.email}`, controller.email)],
      [t.t('receipt.page.phone'), link(`tel:${controller.phone.replace(/[^+\d]/g, '')}`, controller.phone)],
      [t.t('receipt.page.policy'), link(receipt.policyUrl, receipt.policyUrl)],
    ]),
  );
}

function jsonLink(input: ReceiptPageInput, className = ''): string {
  return link('?format=json', input.translator.t('receipt.page.json'), `${className ? ` class="${className}"` : ''} type="application/json" download="${escapeHtml(receiptFileName(input.receipt.consentReceiptID))}"`);
}

function verifySection(input: ReceiptPageInput): string {
  const { receipt, translator: t } = input;
  const controller = receipt.piiControllers[0]?.piiController ?? '';
  const steps = [
    `<li>${escapeHtml(t.t('receipt.page.verifySave'))} ${jsonLink(input)}</li>`,
    `<li>${escapeHtml(t.t('receipt.page.verifyKey'))} ${link(input.jwksUrl, input.jwksUrl)}</li>`,
    `<li>${escapeHtml(t.t('receipt.page.verifyCommand'))}<pre><code>${escapeHtml(`${VERIFY_COMMAND} ${receiptFileName(receipt.consentReceiptID)}`)}</code></pre></li>`,
  ];
  return section(
    'verify',
    t.t('receipt.page.verifyHeading'),
    `<p>${escapeHtml(t.t('receipt.page.verifyLead', { controller, kid: input.kid, alg: input.alg }))}</p>\n<ol>${steps.join('')}</ol>\n<p>${escapeHtml(t.t('receipt.page.verifyOther'))}</p>`,
  );
}

function document(lang: string, title: string, body: string): string {
  return renderPageShell({ lang, title, stylesheet: RECEIPT_STYLESHEET_FILE, body });
}

/**
 * The receipt as a page a person reads: what changed, when, where, who is responsible, and how
 * to check the signature, with the signed JSON one click away. Every word comes from the locale
 * files (`receipt.page.*`, `consent.*`), every value is escaped, and there is no script.
 * `languageName(locale)` names a language in that language (for the links to the other ones).
 */
export function renderReceiptPage(input: ReceiptPageInput, languageName: (locale: string) => string): string {
  const { receipt, translator: t } = input;
  const controller = receipt.piiControllers[0]?.piiController ?? '';
  const lead = t.t('receipt.page.lead', { controller, receiptId: receipt.consentReceiptID, issuedAt: formatInZone(new Date(receipt.issuedAt), 'UTC', t.locale) });
  const body = [
    `<h1>${escapeHtml(t.t('receipt.page.title'))}</h1>`,
    `<p>${escapeHtml(lead)}</p>`,
    languageLinks(t, languageName, 'receipt.page.languages'),
    `<p>${jsonLink(input, 'json')}</p>`,
    changesSection(input),
    stateSection(input),
    recordedSection(input),
    controllerSection(input),
    verifySection(input),
  ].filter((part) => part !== '');
  return document(t.locale, t.t('receipt.page.title'), body.join('\n'));
}

/** The page for a link that opens no receipt (mistyped, cut short): the same for every unknown token. */
export function renderReceiptNotFound(translator: Translator): string {
  return document(translator.locale, translator.t('receipt.page.notFoundTitle'), `<h1>${escapeHtml(translator.t('receipt.page.notFoundTitle'))}</h1>\n<p>${escapeHtml(translator.t('receipt.page.notFound'))}</p>`);
}

/**
 * The page for a browser whose receipt link carries a query we do not serve (`?lang=sv`,
 * `?format=xml`): said in the browser's language, with a link to the receipt without the query.
 * `token` is the link's own (relative link: `/receipts/<token>`).
 */
export function renderReceiptBadQuery(translator: Translator, token: string): string {
  const title = translator.t('receipt.page.badQueryTitle');
  const body = [`<h1>${escapeHtml(title)}</h1>`, `<p>${escapeHtml(translator.t('receipt.page.badQuery'))}</p>`, `<p>${link(encodeURIComponent(token), translator.t('receipt.page.openAsSent'))}</p>`];
  return document(translator.locale, title, body.join('\n'));
}
