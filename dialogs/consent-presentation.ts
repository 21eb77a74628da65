import { ActionTypes, Activity, CardFactory, MessageFactory } from 'botbuilder';
import type { ConsentEvent } from '../src/ledger/consent/consent-types';
import type { PurposeCatalog } from '../src/ledger/purposes/purpose-catalog';
import { Translator } from '../src/i18n/translator';
import { formatInZone } from '../src/privacy/clocks/deadlines';
import type { ConsentPair } from '../src/privacy/consent/consent-scope';
import type { ConsentChangeOutcome } from '../src/privacy/consent/consent-self-service';
import { channelName, listOf, purposeLabel, scopeText } from '../src/privacy/consent/consent-wording';
import type { ChannelConsentView, PurposeConsentView } from '../src/privacy/consent/consent-overview';
import { ADAPTIVE_CARD_VERSION, MenuEntry, menuActions } from './menu';

/** How the customer reads time: their language and their time zone. */
export interface Reader {
  readonly translator: Translator;
  readonly zone: string;
}

export { channelName, listOf, purposeDescription, purposeLabel, scopeText } from '../src/privacy/consent/consent-wording';

export function timeFor(instant: Date, reader: Reader): string {
  return formatInZone(instant, reader.zone, reader.translator.locale);
}

/** A name standing alone, as a title: "email" → "Email". */
function asTitle(name: string, translator: Translator): string {
  return name.charAt(0).toLocaleUpperCase(translator.locale) + name.slice(1);
}

/** Just the channels ("email and post") when every pair is of one purpose the sentence already names; else the whole scope. */
export function keptText(kept: readonly ConsentPair[], changing: readonly ConsentPair[], catalog: PurposeCatalog, translator: Translator): string {
  const purposes = new Set([...kept, ...changing].map((pair) => pair.purposeId));
  if (purposes.size > 1) return scopeText(kept, catalog, translator);
  return listOf(
    kept.map((pair) => channelName(pair.channel, translator)),
    translator,
  );
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

/** An Adaptive Card of titled fact sets; `fallbackText` carries the same content for clients without cards. */
function factCard(title: string, lead: string, sections: readonly { heading: string; facts: { title: string; value: string }[] }[], footer: string | undefined, fallbackText: string): Partial<Activity> {
  const body: Record<string, unknown>[] = [
    { type: 'TextBlock', text: title, weight: 'Bolder', size: 'Medium', wrap: true },
    { type: 'TextBlock', text: lead, wrap: true },
  ];
  for (const section of sections) {
    body.push({ type: 'TextBlock', text: section.heading, weight: 'Bolder', wrap: true, spacing: 'Medium' });
    body.push({ type: 'FactSet', facts: section.facts });
  }
  if (footer) body.push({ type: 'TextBlock', text: footer, wrap: true, spacing: 'Medium', isSubtle: true });
  const card = CardFactory.adaptiveCard({ type: 'AdaptiveCard', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', version: ADAPTIVE_CARD_VERSION, fallbackText, speak: fallbackText, body });
  return { type: 'message', attachments: [card] };
}

/** What the customer agreed to, per purpose and channel, with when, where and which notice. */
export function overviewActivity(views: readonly PurposeConsentView[], catalog: PurposeCatalog, reader: Reader): Partial<Activity> {
  const { translator } = reader;
  const title = translator.t('consent.overview.title');
  const lead = translator.t('consent.overview.lead', { zone: reader.zone });
  const footer = translator.t('consent.overview.footer');
  const sections = views.map((view) => ({
    heading: purposeLabel(catalog, view.purposeId, translator),
    facts: view.channels.map((channel) => ({ title: asTitle(channelName(channel.channel, translator), translator), value: channelDetail(channel, reader) })),
  }));
  const text = [
    lead,
    ...sections.map((section) => [`**${section.heading}**`, ...section.facts.map((fact) => `- ${translator.t('consent.overview.channelState', { channel: fact.title, state: fact.value })}`)].join('\n')),
    footer,
  ].join('\n\n');
  return factCard(title, lead, sections, footer, text);
}

/** Every recorded choice about one purpose, oldest first; a plain sentence when there is none. */
export function historyActivity(purposeId: string, events: readonly ConsentEvent[], catalog: PurposeCatalog, reader: Reader): Partial<Activity> {
  const { translator } = reader;
  const purpose = purposeLabel(catalog, purposeId, translator);
  if (events.length === 0) return MessageFactory.text(translator.t('consent.history.none', { purpose }));
  const lead = translator.t('consent.history.lead', { purpose, zone: reader.zone });
  const facts = events.map((event) => ({
    title: timeFor(event.occurredAt, reader),
    value: translator.t('consent.history.detail', {
      state: translator.t(`consent.state.${event.state}`),
      channel: channelName(event.channel, translator),
      method: translator.t(`consent.method.${event.collectionMethod}`),
      notice: event.noticeVersion,
    }),
  }));
  const text = [lead, facts.map((fact) => `- ${translator.t('consent.history.event', { time: fact.title, detail: fact.value })}`).join('\n')].join('\n\n');
  return factCard(translator.t('consent.history.title', { purpose }), lead, [{ heading: purpose, facts }], undefined, text);
}
