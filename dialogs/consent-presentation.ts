import { ActionTypes, Activity, CardFactory, MessageFactory } from 'botbuilder';
import type { ConsentEvent } from '../src/ledger/consent/consent-types';
import type { PurposeCatalog } from '../src/ledger/purposes/purpose-catalog';
import { Translator } from '../src/i18n/translator';
import { formatInZone } from '../src/privacy/clocks/deadlines';
import type { ConsentPair } from '../src/privacy/consent/consent-scope';
import type { ConsentChangeOutcome } from '../src/privacy/consent/consent-self-service';
import { channelName, listOf, purposeLabel, purposePhrase, scopeText } from '../src/privacy/consent/consent-wording';
import type { ChannelConsentView, PurposeConsentView } from '../src/privacy/consent/consent-overview';
import { ADAPTIVE_CARD_VERSION, MenuEntry, menuActions } from './menu';

/** How the customer reads time: their language and their time zone. */
export interface Reader {
  readonly translator: Translator;
  readonly zone: string;
}

export { channelName, listOf, purposeDescription, purposeLabel, purposePhrase, scopeText } from '../src/privacy/consent/consent-wording';

export function timeFor(instant: Date, reader: Reader): string {
  return formatInZone(instant, reader.zone, reader.translator.locale);
}

/** A name standing alone, as a title: "email" → "Email". */
function asTitle(name: string, translator: Translator): string {
  return name.charAt(0).toLocaleUpperCase(translator.locale) + name.slice(1);
}

/**
 * What a withdrawal keeps, for `consent.confirm.withdrawKeep`: just the channels ("email and post",
 * context `channels`, so the sentence can say "keep sending by …") when every pair is of one purpose
 * the sentence already names; else the whole scope ("our newsletter by email").
 */
export function keptText(kept: readonly ConsentPair[], changing: readonly ConsentPair[], catalog: PurposeCatalog, translator: Translator): { kept: string; context?: 'channels' } {
  const purposes = new Set([...kept, ...changing].map((pair) => pair.purposeId));
  if (purposes.size > 1) return { kept: scopeText(kept, catalog, translator) };
  return {
    kept: listOf(
      kept.map((pair) => channelName(pair.channel, translator)),
      translator,
    ),
    context: 'channels',
  };
}

/**
 * What follows "done": the receipt's reference and link, and — when a withdrawal's notice went to the
 * contact on file — a sentence saying so (nothing is said of a notice that could not be sent: the
 * withdrawal stands all the same).
 */
export function receiptLines(outcome: Pick<ConsentChangeOutcome, 'receipt' | 'notice'>, translator: Translator): string[] {
  const receipt = translator.t('consent.done.receipt', { receiptId: outcome.receipt.receiptId, url: outcome.receipt.url });
  return outcome.notice?.status === 'sent' ? [receipt, translator.t('consent.done.noticeSent')] : [receipt];
}

/** A question with buttons whose labels are answers the dialog understands when typed. */
export function question(text: string, labels: readonly string[]): Partial<Activity> {
  return MessageFactory.suggestedActions(
    labels.map((label) => ({ type: ActionTypes.ImBack, title: label, value: label })),
    text,
  );
}

/** A closing message of a flow, with the menu as buttons for what to do next. */
export function withMenuButtons(text: string, translator: Translator, menu: readonly MenuEntry[]): Partial<Activity> {
  return MessageFactory.suggestedActions(menuActions(translator, menu), text);
}

function channelDetail(view: ChannelConsentView, reader: Reader): string {
  const { translator } = reader;
  const state = translator.t(`consent.state.${view.state}`);
  if (!view.since) return state;
  const since = translator.t('consent.overview.since', {
    time: timeFor(view.since, reader),
    method: view.collectionMethod ? translator.t(`consent.method.${view.collectionMethod}`) : '',
    notice: view.noticeVersion ?? '',
  });
  return `${state} (${since})`;
}

/** One row of a card section: what it is about ("Email", a time) and what is true of it. */
interface CardRow {
  readonly label: string;
  readonly value: string;
}

interface CardSection {
  readonly heading: string;
  readonly rows: readonly CardRow[];
}

/**
 * An Adaptive Card of titled sections, one row per line: each row a single wrapping text block, its
 * label in bold ("**Email**: agreed (since …)"), so a narrow chat (320 px) wraps it between words.
 * Not a FactSet or columns: their label column is as narrow as its widest word allows, and Web Chat
 * breaks words inside it ("Em|ail"). `fallbackText` carries the same lines for clients without cards.
 */
function rowsCard(title: string, lead: string, sections: readonly CardSection[], line: (row: CardRow) => string, footer: string | undefined, fallbackText: string): Partial<Activity> {
  const body: Record<string, unknown>[] = [
    { type: 'TextBlock', text: title, weight: 'Bolder', size: 'Medium', wrap: true },
    { type: 'TextBlock', text: lead, wrap: true },
  ];
  for (const section of sections) {
    body.push({
      type: 'Container',
      spacing: 'Medium',
      items: [
        { type: 'TextBlock', text: section.heading, weight: 'Bolder', wrap: true },
        ...section.rows.map((row) => ({ type: 'TextBlock', text: line({ label: `**${row.label}**`, value: row.value }), wrap: true, spacing: 'Small' })),
      ],
    });
  }
  if (footer) body.push({ type: 'TextBlock', text: footer, wrap: true, spacing: 'Medium', isSubtle: true });
  const card = CardFactory.adaptiveCard({ type: 'AdaptiveCard', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', version: ADAPTIVE_CARD_VERSION, fallbackText, speak: fallbackText, body });
  return { type: 'message', attachments: [card] };
}

/** The card's sections as plain text: a bold heading, then its rows as a list. */
function sectionsText(sections: readonly CardSection[], line: (row: CardRow) => string): string[] {
  return sections.map((section) => [`**${section.heading}**`, ...section.rows.map((row) => `- ${line(row)}`)].join('\n'));
}

/** What the customer agreed to, per purpose and channel, with when, where and which notice. */
export function overviewActivity(views: readonly PurposeConsentView[], catalog: PurposeCatalog, reader: Reader): Partial<Activity> {
  const { translator } = reader;
  const title = translator.t('consent.overview.title');
  const lead = translator.t('consent.overview.lead', { zone: reader.zone });
  const footer = translator.t('consent.overview.footer');
  const sections = views.map((view) => ({
    heading: purposeLabel(catalog, view.purposeId, translator),
    rows: view.channels.map((channel) => ({ label: asTitle(channelName(channel.channel, translator), translator), value: channelDetail(channel, reader) })),
  }));
  const line = (row: CardRow): string => translator.t('consent.overview.channelState', { channel: row.label, state: row.value });
  const text = [lead, ...sectionsText(sections, line), footer].join('\n\n');
  return rowsCard(title, lead, sections, line, footer, text);
}

/** Every recorded choice about one purpose, oldest first; a plain sentence when there is none. */
export function historyActivity(purposeId: string, events: readonly ConsentEvent[], catalog: PurposeCatalog, reader: Reader): Partial<Activity> {
  const { translator } = reader;
  const purpose = purposePhrase(catalog, purposeId, translator);
  if (events.length === 0) return MessageFactory.text(translator.t('consent.history.none', { purpose }));
  const lead = translator.t('consent.history.lead', { purpose, zone: reader.zone });
  const rows = events.map((event) => ({
    label: timeFor(event.occurredAt, reader),
    value: translator.t('consent.history.detail', {
      state: translator.t(`consent.state.${event.state}`),
      channel: channelName(event.channel, translator),
      method: translator.t(`consent.method.${event.collectionMethod}`),
      notice: event.noticeVersion,
    }),
  }));
  const line = (row: CardRow): string => translator.t('consent.history.event', { time: row.label, detail: row.value });
  const text = [lead, rows.map((row) => `- ${line(row)}`).join('\n')].join('\n\n');
  const label = purposeLabel(catalog, purposeId, translator);
  return rowsCard(translator.t('consent.history.title', { purpose: label }), lead, [{ heading: label, rows }], line, undefined, text);
}
