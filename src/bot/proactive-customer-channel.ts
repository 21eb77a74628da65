import { Activity, ActivityTypes, CloudAdapterBase, ConversationReference, TextFormatTypes, TurnContext } from 'botbuilder';
import { DirectLineConnectorFactory } from '../channels/directline/bot-bridge';
import { AppError } from '../errors/app-error';
import type { CustomerChannel } from '../handoff/customer-channel';
import type { HandoffTicket } from '../handoff/handoff-types';
import { isShippedLocale, ShippedLocale } from '../i18n/shipped-locales';
import { Translations, Translator } from '../i18n/translator';
import type { Logger } from '../log/logger';
import type { ServiceUrlPolicy } from '../server/service-url-policy';
import { closureOf, handoffClosedEvent } from './handoff-closure';

/**
 * How a conversation is reached proactively: through our own Direct Line endpoint (Web Chat: its
 * connector routes accept only our own credential) or the Bot Framework connector (Teams, Azure
 * channels, the Emulator) with the bot's credentials.
 */
export type ProactiveRoute = 'directline' | 'botframework';

/** What a ticket's opaque `conversation` holds: the route and the serialized ConversationReference. */
export interface StoredConversation {
  readonly route: ProactiveRoute;
  readonly reference: Partial<ConversationReference>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** This turn's conversation, serialized for a later proactive message (plain JSON, as the hub stores it). */
export function storedConversationOf(context: TurnContext): Record<string, unknown> {
  const adapter = context.adapter;
  const viaOurDirectLine = adapter instanceof CloudAdapterBase && context.turnState.get(adapter.ConnectorFactoryKey) instanceof DirectLineConnectorFactory;
  const reference: unknown = JSON.parse(JSON.stringify(TurnContext.getConversationReference(context.activity)));
  return { route: viaOurDirectLine ? 'directline' : 'botframework', reference };
}

/** Reads back what `storedConversationOf` wrote; anything else is refused with the reason. */
export function readStoredConversation(value: Record<string, unknown>): StoredConversation {
  const { route, reference } = value;
  if ((route !== 'directline' && route !== 'botframework') || !isRecord(reference) || !isRecord(reference.conversation) || typeof reference.conversation.id !== 'string') {
    throw new AppError('PSB_CUSTOMER_UNREACHABLE', 'the ticket holds no conversation reference this bot wrote');
  }
  return { route, reference: reference as Partial<ConversationReference> };
}

export interface ProactiveCustomerChannelDeps {
  /** The adapter of /api/messages, for continueConversationAsync. */
  adapter: CloudAdapterBase;
  /** MicrosoftAppId, or '' without channel authentication. */
  botAppId: string;
  /** Our Direct Line endpoint, when enabled: Web Chat conversations are continued through it. */
  directLine?: { continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> };
  /** Which serviceUrls the Bot Framework route may reach (ALLOWED_SERVICE_URLS in production without authentication). */
  serviceUrls: ServiceUrlPolicy;
  /** The bot's turn runner entry (PrivacyBot.run): state read and written once, replies after the commit. */
  runTurn(context: TurnContext): Promise<void>;
  translations: Translations;
  defaultLocale: ShippedLocale;
  logger: Logger;
}

/**
 * The customer's side of the hub, at the bot edge, by the real proactive path: the adapter's
 * `continueConversationAsync` with the stored reference (Teams and other Bot Framework channels)
 * or our Direct Line's own continuation (Web Chat, whose activities land in its shared buffers).
 *
 * Agent messages and the "a colleague joined" notice are plain proactive messages: they change
 * no state. A closed ticket is different — it runs a whole proactive turn through the bot
 * (`handoff.closed` event, see handoff-closure.ts), so the session is read and written once with
 * its eTag and the waiting dialog resumes exactly where it stopped.
 */
export class ProactiveCustomerChannel implements CustomerChannel {
  private readonly log: Logger;

  constructor(private readonly deps: ProactiveCustomerChannelDeps) {
    this.log = deps.logger.child({ module: 'customer-channel' });
  }

  async deliverAgentMessage(ticket: HandoffTicket, _agent: string, text: string): Promise<void> {
    const translator = this.translatorFor(ticket);
    const message: Partial<Activity> = {
      type: ActivityTypes.Message,
      text: translator.t('handoff.agentMessage', { text }),
      // The agent's words as written, never read as Markdown.
      textFormat: TextFormatTypes.Plain,
      channelData: { handoff: { from: 'agent', ticketId: ticket.id } },
    };
    await this.continueConversation(ticket, async (context) => {
      await context.sendActivity(message);
    });
  }

  async agentJoined(ticket: HandoffTicket): Promise<void> {
    const notice = this.translatorFor(ticket).t('handoff.agentJoined');
    await this.continueConversation(ticket, async (context) => {
      await context.sendActivity({ type: ActivityTypes.Message, text: notice, channelData: { handoff: { from: 'bot', ticketId: ticket.id } } });
    });
  }

  async handoffClosed(ticket: HandoffTicket): Promise<void> {
    const closure = closureOf(ticket);
    if (!closure) throw new AppError('PSB_HANDOFF_INVALID', `ticket ${ticket.id} is still ${ticket.status}: only a closed ticket returns to the bot`, { ticketId: ticket.id, status: ticket.status });
    await this.continueConversation(ticket, async (context) => {
      Object.assign(context.activity, handoffClosedEvent(closure));
      context.activity.locale ??= ticket.locale;
      await this.deps.runTurn(context);
    });
    this.log.info({ ticketId: ticket.id, status: closure.status, verification: closure.verification }, 'handoff returned to the bot');
  }

  private translatorFor(ticket: HandoffTicket): Translator {
    return this.deps.translations.for(isShippedLocale(ticket.locale) ? ticket.locale : this.deps.defaultLocale);
  }

  /**
   * Says `text` in a conversation stored earlier (`storedConversationOf`), outside any handoff: an
   * access request's copy is ready, its deadline was extended. Rejects with PSB_CUSTOMER_UNREACHABLE
   * when the conversation cannot be reached from here; the caller falls back on the contact on file.
   */
  async tell(conversation: Record<string, unknown>, text: string): Promise<void> {
    await this.continueStored(conversation, {}, async (context) => {
      await context.sendActivity({ type: ActivityTypes.Message, text, textFormat: TextFormatTypes.Markdown });
    });
  }

  private async continueConversation(ticket: HandoffTicket, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    await this.continueStored(ticket.conversation, { ticketId: ticket.id }, logic);
  }

  private async continueStored(conversation: Record<string, unknown>, details: Record<string, unknown>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const { route, reference } = readStoredConversation(conversation);
    if (route === 'directline') {
      if (!this.deps.directLine) throw new AppError('PSB_CUSTOMER_UNREACHABLE', 'the customer is on our Direct Line, which is disabled on this instance', details);
      await this.deps.directLine.continueConversation(reference, logic);
      return;
    }
    // A reference without serviceUrl (an expectReplies turn) would make the connector fall back to
    // the public Bot Framework host: never contact a host the deployment did not choose.
    if (typeof reference.serviceUrl !== 'string' || !this.deps.serviceUrls.allows(reference.serviceUrl)) {
      throw new AppError('PSB_CUSTOMER_UNREACHABLE', 'the conversation has no serviceUrl this bot may reply to (it arrived with expectReplies, or ALLOWED_SERVICE_URLS excludes it)', details);
    }
    await this.deps.adapter.continueConversationAsync(this.deps.botAppId, reference, logic);
  }
}
